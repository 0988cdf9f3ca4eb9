package hdf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestRefPolicyAttacks: reference layouts pointing outside the allowed locations are refused
// with ErrRefNotAllowed and read nothing, on the POSIX store (where the objects are files) and
// on the memory store; the allowed ones read.
func TestRefPolicyAttacks(t *testing.T) {
	ctx := context.Background()
	const secret = "TOP-SECRET-0123456789abcdef"
	dir := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{bucket, "foreign", "files"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	// A link planted inside the bucket, leading out of the store.
	if err := os.Symlink(outside, filepath.Join(dir, bucket, "escape")); err != nil {
		t.Fatal(err)
	}
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := store.Open(ctx, "mem://", store.Options{})
	for _, sc := range []struct {
		name string
		st   store.Store
	}{{"posix", posix}, {"mem", mem}} {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.st
			for _, loc := range [][2]string{{"foreign", "secret.txt"}, {"files", "data/f.h5"}, {"files", "other/f.h5"}, {bucket, "own/f.h5"}} {
				if _, err := st.Put(ctx, loc[0], loc[1], []byte(secret), store.PutOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			f, err := Create(ctx, st, bucket, "/refs.h5", CreateOptions{Owner: "u"})
			if err != nil {
				t.Fatal(err)
			}
			n := len(secret) / 4 * 4
			for i, tc := range []struct {
				uri   string
				allow []string
				ok    bool
			}{
				{"s3://foreign/secret.txt", nil, false},
				{"foreign/secret.txt", nil, false},
				{"file:///foreign/secret.txt", nil, false},
				{"file:///etc/passwd", nil, false},
				{"/etc/passwd", nil, false},
				{"s3://" + bucket + "/../foreign/secret.txt", nil, false},
				{bucket + "/own/../../foreign/secret.txt", nil, false},
				{bucket + "//own/f.h5", nil, false},
				{"s3://files/other/f.h5", []string{"files/data"}, false},
				{"s3://files/database/f.h5", []string{"files/data"}, false},
				{"s3://files/data/f.h5", []string{"files/data"}, true},
				{"s3://files/other/f.h5", []string{"files"}, true},
				{"s3://foreign/secret.txt", []string{"s3://foreign"}, true},
				{"s3://" + bucket + "/own/f.h5", nil, true},
				{bucket + "/own/f.h5", nil, true},
			} {
				f.Refs = RefPolicy{Allow: tc.allow}
				ds := putRefDataset(t, f, "r"+string(rune('a'+i)), []int{n / 4}, []int{n / 4},
					map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": tc.uri, "offset": 0, "size": n}, "")
				got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
				if tc.ok {
					if err != nil || string(got) != secret[:n] {
						t.Errorf("%s allow %v: read %q, %v; want the bytes", tc.uri, tc.allow, got, err)
					}
					continue
				}
				if !errors.Is(err, ErrRefNotAllowed) {
					t.Errorf("%s allow %v: read %q, err %v; want ErrRefNotAllowed", tc.uri, tc.allow, got, err)
				}
				if strings.Contains(string(got), "SECRET") {
					t.Errorf("%s: leaked %q", tc.uri, got)
				}
			}
		})
	}
	t.Run("symlink", func(t *testing.T) {
		// Both layers must allow it: the store (os.Root confinement) and the reference policy.
		posixFollow, err := store.Open(ctx, "file://"+dir, store.Options{FollowSymlinks: true})
		if err != nil {
			t.Fatal(err)
		}
		n := len(secret) / 4 * 4
		for _, follow := range []bool{false, true} {
			st := posix
			if follow {
				st = posixFollow
			}
			f, err := Create(ctx, st, bucket, fmt.Sprintf("/links%v.h5", follow), CreateOptions{Owner: "u"})
			if err != nil {
				t.Fatal(err)
			}
			f.Refs = RefPolicy{FollowSymlinks: follow}
			name := "refused"
			if follow {
				name = "followed"
			}
			ds := putRefDataset(t, f, name, []int{n / 4}, []int{n / 4},
				map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": bucket + "/escape/secret.txt", "dims": []int{n / 4},
					"chunks": map[string][2]int64{"0": {0, int64(n)}}}, "")
			got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
			switch {
			case !follow && (!errors.Is(err, ErrRefNotAllowed) || strings.Contains(string(got), "SECRET")):
				t.Errorf("through a planted symlink: read %q, err %v; want ErrRefNotAllowed", got, err)
			case follow && (err != nil || string(got) != secret[:n]):
				t.Errorf("FollowSymlinks: read %q, %v; want the bytes", got, err)
			}
		}
	})
}

func TestParseRefAllow(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, true},
		{"a, b/c/ ,s3://d", 3, true},
		{"a/../b", 0, false},
		{"~x", 0, false},
		{"a//b", 0, false},
		{"/abs", 0, false},
	} {
		got, err := ParseRefAllow(tc.in)
		if (err == nil) != tc.ok || len(got) != tc.want {
			t.Errorf("ParseRefAllow(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// TestRefMissingIsAnError: a reference layout whose file is gone must fail the read with
// ErrRefMissing, never read as fill values (HSDS 0.9.4 answers fill here; a moved or deleted
// granule averaged as fill is a silent wrong answer). Unallocated chunks still read as fill.
func TestRefMissingIsAnError(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := Create(ctx, st, bucket, "/missing.h5", CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		layout map[string]any
	}{
		{"chunked", map[string]any{"class": "H5D_CHUNKED_REF", "file_uri": bucket + "/gone.h5", "dims": []int{4},
			"chunks": map[string][2]int64{"0": {0, 16}}}},
		{"contiguous", map[string]any{"class": "H5D_CONTIGUOUS_REF", "file_uri": bucket + "/gone.h5", "offset": 0, "size": 32}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := putRefDataset(t, f, tc.name, []int{8}, []int{4}, tc.layout, "")
			got, _, err := ds.Read(ctx, selection.All(ds.Dims), 0)
			if !errors.Is(err, ErrRefMissing) || errors.Is(err, store.ErrNotFound) {
				t.Fatalf("read through a missing file: %v, err %v; want ErrRefMissing (and not ErrNotFound)", got, err)
			}
		})
	}
	// The chunked layout's second chunk has no entry: it is unallocated, and reads as fill.
	ds := putRefDataset(t, f, "sparse", []int{8}, []int{4}, map[string]any{"class": "H5D_CHUNKED_REF",
		"file_uri": bucket + "/gone.h5", "dims": []int{8}, "chunks": map[string][2]int64{}}, "")
	if _, _, err := ds.Read(ctx, selection.All(ds.Dims), 0); err != nil {
		t.Fatalf("unallocated chunks of a reference layout: %v, want fill", err)
	}
}
