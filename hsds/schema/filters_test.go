package schema

import (
	"strings"
	"testing"
)

func TestNormalizeFilters(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"int id", `[1]`, `[{"class": "H5Z_FILTER_DEFLATE", "id": 1, "name": "gzip"}]`, ""},
		{"deflate name", `["deflate", "shuffle"]`, `[{"class": "H5Z_FILTER_DEFLATE", "id": 1, "name": "gzip"}, {"class": "H5Z_FILTER_SHUFFLE", "id": 2, "name": "shuffle"}]`, ""},
		{"verified gzip dict", `[{"class":"H5Z_FILTER_DEFLATE","id":1,"level":6,"name":"gzip"}]`, `[{"class": "H5Z_FILTER_DEFLATE", "id": 1, "level": 6, "name": "gzip"}]`, ""},
		{"verified zstd user", `[{"class":"H5Z_FILTER_USER","name":"zstd","level":3}]`, `[{"class": "H5Z_FILTER_USER", "name": "zstd", "level": 3, "id": 32015}]`, ""},
		{"dict fills name", `[{"class":"H5Z_FILTER_LZ4"}]`, `[{"class": "H5Z_FILTER_LZ4", "id": 32004, "name": "lz4"}]`, ""},
		{"user by id", `[{"class":"H5Z_FILTER_USER","id":32001}]`, `[{"class": "H5Z_FILTER_USER", "id": 32001, "name": "blosclz"}]`, ""},
		{"options kept", `[{"class":"H5Z_FILTER_SCALEOFFSET","scaleType":"H5Z_SO_INT","scaleOffset":2}]`, `[{"class": "H5Z_FILTER_SCALEOFFSET", "scaleType": "H5Z_SO_INT", "scaleOffset": 2, "id": 6, "name": "scaleoffset"}]`, ""},
		{"null", `null`, `null`, ""},
		{"lzf", `["lzf"]`, "", "filter lzf is not supported"},
		{"szip id", `[4]`, "", "filter 4 is not supported"},
		{"bitshuffle", `[{"class":"H5Z_FILTER_BITSHUFFLE"}]`, `[{"class": "H5Z_FILTER_BITSHUFFLE", "id": 32008, "name": "bitshuffle"}]`, ""},
		{"unknown name", `["foo"]`, "", "filter foo not recognized"},
		{"unknown id", `[999]`, "", "filter 999 not recognized"},
		{"no class", `[{"id":1}]`, "", "expected 'class' key"},
		{"id mismatch", `[{"class":"H5Z_FILTER_DEFLATE","id":2}]`, "", "Expected H5Z_FILTER_DEFLATE to have id: 1 but got 2"},
		{"not list", `{"a":1}`, "", "expected filters to be a list"},
		{"bad item", `[[1]]`, "", "unexpected type for filter"},
		{"bad level", `[{"class":"H5Z_FILTER_DEFLATE","level":"high"}]`, "", "level: must be an integer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := NormalizeFilters([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := Marshal(fs)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.want {
				t.Fatalf("got  %s\nwant %s", out, tc.want)
			}
		})
	}
}

func TestParseFiltersLenient(t *testing.T) {
	fs, err := ParseFilters([]byte(`[{"class":"H5Z_FILTER_BITSHUFFLE","id":32008,"name":"bitshuffle"},{"class":"H5Z_FILTER_LZF"},{"id":32015},{"class":"H5Z_FILTER_USER","id":40000,"name":"mystery"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if fs[1].Name != "lzf" || fs[2].Class != FilterZstd || fs[3].ID != 40000 {
		t.Fatalf("parsed %+v", fs)
	}
	c, _, sh := Compression(fs)
	if c != "lzf" || sh != 2 {
		t.Fatalf("Compression = %q shuffle %d", c, sh)
	}
}

func TestCompression(t *testing.T) {
	tests := []struct {
		name, in string
		comp     string
		level    int
		shuffle  int
	}{
		{"none", `[]`, "", 0, 0},
		{"gzip default level", `["gzip"]`, "gzip", 5, 0},
		{"gzip shuffle", `[{"class":"H5Z_FILTER_SHUFFLE"},{"class":"H5Z_FILTER_DEFLATE","level":9}]`, "gzip", 9, 1},
		{"shuffle only", `["shuffle"]`, "", 0, 1},
		{"zstd user", `[{"class":"H5Z_FILTER_USER","name":"zstd","level":3}]`, "zstd", 3, 0},
		{"blosclz", `[32001]`, "blosclz", 5, 0},
		{"lz4hc", `["lz4hc"]`, "lz4hc", 5, 0},
		{"snappy", `["snappy"]`, "snappy", 5, 0},
		{"scaleoffset first skips compression", `["scaleoffset", "gzip"]`, "", 0, 0},
		{"scaleoffset after", `["gzip", "scaleoffset"]`, "gzip", 5, 0},
		{"fletcher ignored", `["fletcher32", "lz4"]`, "lz4", 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := NormalizeFilters([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			c, l, s := Compression(fs)
			if c != tc.comp || l != tc.level || s != tc.shuffle {
				t.Fatalf("Compression = %q %d %d, want %q %d %d", c, l, s, tc.comp, tc.level, tc.shuffle)
			}
		})
	}
}
