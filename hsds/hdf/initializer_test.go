package hdf

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/hsfan/hsfan/hsds/h5type"
)

func TestParseInitializer(t *testing.T) {
	i64, _ := h5type.Parse(json.RawMessage(`"H5T_STD_I64LE"`))
	cmpd, _ := h5type.Parse(json.RawMessage(`{"class": "H5T_COMPOUND", "fields": [{"name": "a", "type": "H5T_STD_I8LE"}]}`))
	for _, c := range []struct {
		name, raw string
		t         *h5type.Type
		rank      int
		want      *Arange
		err       bool
	}{
		{"none", ``, i64, 1, nil, false},
		{"null", `null`, i64, 1, nil, false},
		{"chunklocator", `["chunklocator", "--h5path=/x"]`, i64, 2, nil, false},
		{"defaults", `["arange"]`, i64, 1, &Arange{0, 1}, false},
		{"args", `["arange", "--start=-0.25", "--step=2"]`, i64, 1, &Arange{-0.25, 2}, false},
		{"not a list", `"arange"`, i64, 1, nil, true},
		{"bad arg", `["arange", "--begin=1"]`, i64, 1, nil, true},
		{"bad number", `["arange", "--start=x"]`, i64, 1, nil, true},
		{"zero step", `["arange", "--step=0"]`, i64, 1, nil, true},
		{"integer step truncates to zero", `["arange", "--step=0.5"]`, i64, 1, nil, true},
		{"rank 2", `["arange"]`, i64, 2, nil, true},
		{"compound", `["arange"]`, cmpd, 1, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseInitializer(json.RawMessage(c.raw), c.t, c.rank)
			if (err != nil) != c.err {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestArangeFill: chunk i of n elements holds numpy's arange(start + i*n*step, ..., step) as
// datanode_lib.py arange_chunk_init computes it (integers: start and step truncated first).
func TestArangeFill(t *testing.T) {
	i32, _ := h5type.Parse(json.RawMessage(`"H5T_STD_I32BE"`))
	buf := make([]byte, 4*5)
	(&Arange{Start: 1.5, Step: 3}).fill(buf, 2, i32)
	for k := 0; k < 5; k++ {
		if got, want := int32(binary.BigEndian.Uint32(buf[4*k:])), int32(31+3*k); got != want {
			t.Errorf("i32 element %d = %d, want %d", k, got, want)
		}
	}
	f64, _ := h5type.Parse(json.RawMessage(`"H5T_IEEE_F64LE"`))
	buf = make([]byte, 8*4)
	(&Arange{Start: -0.25, Step: 0.5}).fill(buf, 1, f64)
	for k := 0; k < 4; k++ {
		if got, want := math.Float64frombits(binary.LittleEndian.Uint64(buf[8*k:])), -0.25+0.5*float64(4+k); got != want {
			t.Errorf("f64 element %d = %v, want %v", k, got, want)
		}
	}
}
