package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestGetOutputMode: get -o creates its file as os.Create would (0666 &^ umask), not 0600, and
// keeps the mode of a file it replaces.
func TestGetOutputMode(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + filepath.Join(dir, "s"), "--bucket", "hsfan"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--domain", "/c.h5", "--shape", "4,4", "--chunks", "2,4"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o002, 0o664}, {0o077, 0o600}} {
		old := syscall.Umask(tc.umask)
		out := filepath.Join(dir, "v"+strconv.Itoa(tc.umask)+".json")
		code, _, errs := run(t, append([]string{"get", "--domain", "/c.h5", "--dataset", "/data", "-o", out}, st...)...)
		syscall.Umask(old)
		if code != 0 {
			t.Fatal(errs)
		}
		if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != tc.want {
			t.Errorf("umask %03o: mode %v %v, want %v", tc.umask, fi.Mode().Perm(), err, tc.want)
		}
	}
	out := filepath.Join(dir, "keep.json")
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(out, 0o640); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := run(t, append([]string{"get", "--domain", "/c.h5", "--dataset", "/data", "-o", out}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o640 || fi.Size() == 0 {
		t.Errorf("replaced file: %v %v, want mode 0640 kept and the new content", fi, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestGetCSVDatasetIndices: csv rows carry the dataset indices of each element (not its position
// in the selection) for slices with a start and step and for paired coordinate lists, under a
// header naming the dimensions, and each row's value is the dataset's value at those indices.
func TestGetCSVDatasetIndices(t *testing.T) {
	dir := t.TempDir()
	st := []string{"--store", "file://" + dir, "--bucket", "hsfan", "--domain", "/c.h5"}
	if code, _, errs := run(t, append([]string{"gen", "cube", "--shape", "6,4,7", "--chunks", "4,4,4", "--type", "int32"}, st...)...); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := run(t, append([]string{"get", "--dataset", "/data", "--format", "json"}, st...)...)
	var all struct{ Value [][][]int }
	if code != 0 || json.Unmarshal([]byte(out), &all) != nil {
		t.Fatalf("get json: %s", errs)
	}
	for _, tc := range []struct {
		sel  string
		want [][3]int
	}{
		{"[2:6:2,[1,3],[0,5]]", [][3]int{{2, 1, 0}, {2, 3, 5}, {4, 1, 0}, {4, 3, 5}}},
		{"[[5,1],1:3,[6,2]]", [][3]int{{5, 1, 6}, {5, 2, 6}, {1, 1, 2}, {1, 2, 2}}},
		{"[3,2,4:7:2]", [][3]int{{3, 2, 4}, {3, 2, 6}}},
	} {
		code, out, errs := run(t, append([]string{"get", "--dataset", "/data", "--select", tc.sel, "--format", "csv"}, st...)...)
		if code != 0 {
			t.Fatalf("%s: %s", tc.sel, errs)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil || len(recs) != len(tc.want)+1 {
			t.Fatalf("%s: %q %v", tc.sel, out, err)
		}
		if h := strings.Join(recs[0], ","); h != "dim0_index,dim1_index,dim2_index,data" {
			t.Errorf("%s: header %q", tc.sel, h)
		}
		for i, w := range tc.want {
			r := recs[i+1]
			want := []string{strconv.Itoa(w[0]), strconv.Itoa(w[1]), strconv.Itoa(w[2]), strconv.Itoa(all.Value[w[0]][w[1]][w[2]])}
			if strings.Join(r, ",") != strings.Join(want, ",") {
				t.Errorf("%s row %d: %q, want %q", tc.sel, i, r, want)
			}
		}
	}
	code, out, _ = run(t, append([]string{"get", "--dataset", "/data", "--select", "[0,0,0:2]", "--format", "csv", "--header=false"}, st...)...)
	if code != 0 || strings.Count(out, "\n") != 2 || strings.HasPrefix(out, "dim0") {
		t.Errorf("--header=false: %q", out)
	}
}
