package mapreduce

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInputsOverlap: an object matched twice (two inputs, one input given twice, a link to a
// directory above it) and an --out whose outputs an input would match are refused before the run,
// naming the object or --out and the inputs; disjoint inputs and an --out outside them run.
func TestInputsOverlap(t *testing.T) {
	dir := t.TempDir()
	writeParts(t, dir, "uservisits", GenOptions{Rows: 200, Parts: 2, Seed: 3})
	link := filepath.Join(t.TempDir(), "link") // the same directory through a symbolic link
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	uv := "file://" + filepath.Join(dir, "uservisits")
	part0 := uv + "/part-00000.csv"
	elsewhere := filepath.Join(dir, "out")
	for _, c := range []struct {
		name   string
		inputs []string
		out    string
		want   []string // substrings of the error; nil: the run succeeds
	}{
		{"prefix and its object", []string{uv + "/", part0}, elsewhere,
			[]string{"object " + filepath.Join(dir, "uservisits", "part-00000.csv") + " is matched by --input", `"` + uv + `/"`, `"` + part0 + `"`}},
		{"glob and prefix", []string{uv + "/part-*.csv", uv}, elsewhere, []string{"is matched by --input", "part-00000.csv", "read twice"}},
		{"one input twice", []string{uv + "/", uv + "/"}, elsewhere, []string{`--input "` + uv + `/" is given twice`}},
		{"a link to the same directory", []string{uv + "/", "file://" + filepath.Join(link, "uservisits") + "/"}, elsewhere, []string{"is matched by --input", link}},
		{"out inside a prefix input", []string{uv + "/"}, filepath.Join(dir, "uservisits", "q2"),
			[]string{`--out "` + filepath.Join(dir, "uservisits", "q2") + `" is inside --input "` + uv + `/"`}},
		{"out is the input directory", []string{part0, uv}, filepath.Join(dir, "uservisits"), []string{"is inside --input", uv}},
		{"out inside a linked input", []string{"file://" + filepath.Join(link, "uservisits")}, filepath.Join(dir, "uservisits", "q2"), []string{"is inside --input", link}},
		{"disjoint objects", []string{part0, uv + "/part-00001.csv"}, elsewhere, nil},
		{"out beside a glob's matches", []string{uv + "/part-*.csv"}, filepath.Join(dir, "uservisits", "q2"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(context.Background(), Spec{Job: "bdb-q2", Inputs: c.inputs, Out: c.out}, Options{})
			if c.want == nil {
				if err != nil || res.Records != 200 {
					t.Fatalf("error %v, %d records", err, res.Records)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if strings.Contains(err.Error(), "list ") {
				t.Errorf("error %q: a listing error's wrapping", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if res.Map.Tasks != 0 {
				t.Errorf("%d map tasks ran before the error", res.Map.Tasks)
			}
		})
	}
}

// TestCheckOutsideS3: the same rule on s3:// locations (no store is opened).
func TestCheckOutsideS3(t *testing.T) {
	names := Spec{Job: "bdb-q2"}.OutputNames()
	for _, c := range []struct {
		out, in string
		inside  bool
	}{
		{"s3://b/in/q2", "s3://b/in/", true},
		{"s3://b/in", "s3://b/in/", true},
		{"s3://b/in/q2/", "s3://b/", true},
		{"s3://b/out", "s3://b/in/", false},
		{"s3://c/in/q2", "s3://b/in/", false},
		{"s3://b/in/q2", "s3://b/in/*.csv", false},
		{"s3://b/in/q2", "s3://b/in/*/*.tsv", true},
	} {
		err := CheckOutside(c.out, names, []string{c.in})
		if (err != nil) != c.inside || err != nil && !strings.Contains(err.Error(), `--out "`+c.out+`" is inside --input "`+c.in+`"`) {
			t.Errorf("out %s, input %s: error %v, want inside=%v", c.out, c.in, err, c.inside)
		}
	}
}
