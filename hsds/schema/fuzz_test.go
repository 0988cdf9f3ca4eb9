package schema

import (
	"encoding/json"
	"testing"
)

// FuzzDatasetJSON: decoding never panics, and an accepted dataset
// re-encodes to JSON that decodes to the same encoding.
func FuzzDatasetJSON(f *testing.F) {
	f.Add(dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4, 8], "maxdims": [0, 8]}`, `{"class": "H5D_CHUNKED", "dims": [4, 8]}`, `{"filters": ["gzip"]}`))
	f.Add(dsetJSON(`{"class": "H5S_SCALAR"}`, `{"class": "H5D_CHUNKED", "dims": [1]}`, ""))
	f.Add(dsetJSON(`{"class": "H5S_SIMPLE", "dims": [4, 8]}`, `{"class": "H5D_CHUNKED", "dims": [2, 8]}`, `{"layout": {"class": "H5D_CHUNKED_REF", "file_uri": "s3://b/f.h5", "dims": [2, 8], "chunks": {"0_0": [4016, 64]}}}`))
	f.Add(`{"id": 5}`)
	f.Add(verifiedDomain)
	f.Add(groupJSON)
	f.Fuzz(func(t *testing.T, in string) {
		var d Dataset
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			out, err := Marshal(d)
			if err != nil {
				t.Fatalf("Marshal accepted dataset: %v", err)
			}
			var d2 Dataset
			if err := json.Unmarshal(out, &d2); err != nil {
				t.Fatalf("re-decode %s: %v", out, err)
			}
			out2, _ := Marshal(d2)
			if string(out) != string(out2) {
				t.Fatalf("unstable encoding:\n%s\n%s", out, out2)
			}
			_, _ = d.ChunkLayout()
			d.RefLayout()
			d.FillValue()
			if fs, err := d.Filters(); err == nil {
				Compression(fs)
			}
		}
		var g Group
		if err := json.Unmarshal([]byte(in), &g); err == nil {
			if _, err := Marshal(g); err != nil {
				t.Fatalf("Marshal accepted group: %v", err)
			}
		}
		var dom Domain
		if err := json.Unmarshal([]byte(in), &dom); err == nil {
			out, err := Marshal(dom)
			if err != nil {
				t.Fatalf("Marshal accepted domain: %v", err)
			}
			var dom2 Domain
			if err := json.Unmarshal(out, &dom2); err != nil {
				t.Fatalf("re-decode domain %s: %v", out, err)
			}
		}
		if fs, err := NormalizeFilters([]byte(in)); err == nil {
			if _, err := Marshal(fs); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzKeys: id and key parsers never panic and round trip what they accept.
func FuzzKeys(f *testing.F) {
	for _, s := range []string{exRoot, exDset, "c7-b30ad98c-55a249ba-932f-5e1c38-222ec1_1_2",
		"db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/p3/0_0", "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/12_0_7",
		"/home/u/f.h5", "bucket/home/../x", "hdf5://home/u"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if err := ValidateID(s); err == nil {
			if s[0] == KindChunk {
				d, idx, _, err := ParseChunkID(s)
				if err != nil {
					t.Fatalf("ParseChunkID rejected a valid id: %v", err)
				}
				d2, idx2, p2, err := ParseChunkID(ChunkID(d, idx))
				if err != nil || d2 != d || p2 != -1 || len(idx2) != len(idx) {
					t.Fatalf("ChunkID(%q, %v) does not round trip: %v", d, idx, err)
				}
			} else if IsSchema2ID(s) {
				if _, err := ObjectKey(s); err != nil {
					t.Fatalf("ObjectKey rejected a valid id %q: %v", s, err)
				}
				if RootOf(s) == "" {
					t.Fatalf("RootOf(%q) empty", s)
				}
			}
		}
		if d, idx, p, err := ParseChunkKey(s); err == nil {
			if p >= 0 && Partition(idx, p+1) > p {
				t.Fatalf("partition out of range")
			}
			k := ChunkKey(d, idx, 0)
			if k == "" {
				t.Fatalf("ChunkKey(%q, %v) empty", d, idx)
			}
			if _, _, _, err := ParseChunkKey(k); err != nil {
				t.Fatalf("ParseChunkKey(ChunkKey) = %v", err)
			}
		}
		if b, p, err := ParseDomain(s, "bucket"); err == nil {
			if ValidateDomainPath(p) != nil || b == "" {
				t.Fatalf("ParseDomain(%q) = %q %q", s, b, p)
			}
			k, err := DomainKey(p)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := DomainFromKey(k); err != nil || back != p {
				t.Fatalf("DomainFromKey(%q) = %q %v", k, back, err)
			}
		}
	})
}
