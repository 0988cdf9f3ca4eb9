package ops

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"testing"
)

// samplePartials returns filled partials of every kind.
func samplePartials(tb testing.TB) [][]byte {
	tb.Helper()
	rng := rand.New(rand.NewPCG(13, 14))
	var out [][]byte
	geoms := []Geometry{
		{Shape: []int{3, 4, 5}, Reduce: []bool{false, true, true}, AxisWeights: [][]float64{nil, {0.1, 0.5, 1, 0}}},
		{Shape: []int{3, 4}, Reduce: []bool{true, false}},
		{Shape: []int{}, Reduce: []bool{}},
	}
	for gi := range geoms {
		g := &geoms[gi]
		n := 1
		for _, e := range g.Shape {
			n *= e
		}
		vals := randomValues(rng, n, 0, 1e3, 0.2)
		if n > 2 {
			vals[0] = math.Inf(1)
		}
		for _, kind := range Kinds() {
			opts := Options{}
			if kind == Histogram {
				opts = Options{Bins: 4, Min: -1000, Max: 1000}
			}
			p := NewPartial(kind, g, opts)
			if err := p.AddBlock(make([]int, len(g.Shape)), g.Shape, vals); err != nil {
				tb.Fatal(err)
			}
			b, err := p.MarshalBinary()
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// fixCRC rewrites the trailing checksum so that corrupted bodies reach the
// parser.
func fixCRC(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	b = append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crcTable))
	return b
}

func TestMarshalRoundTrip(t *testing.T) {
	for i, b := range samplePartials(t) {
		var p Partial
		if err := p.UnmarshalBinary(b); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		b2, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, b2) {
			t.Errorf("sample %d (%s): re-encoding differs", i, p.Kind())
		}
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	samples := samplePartials(t)
	good := samples[2]
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short", []byte("HSFP")},
		{"bad magic", append([]byte("XXXX"), good[4:]...)},
		{"bad version", append([]byte("HSFP\x09"), good[5:]...)},
		{"bad crc", append(append([]byte(nil), good[:len(good)-1]...), good[len(good)-1]^1)},
		{"truncated", fixCRC(good[:len(good)-9])},
		{"trailing", fixCRC(append(append([]byte(nil), good[:len(good)-4]...), 0, 0, 0, 0, 0))},
		{"bad kind", fixCRC(append([]byte("HSFP\x01\x63"), good[6:]...))},
		{"huge shape", fixCRC([]byte("HSFP\x01\x01\x00\x02\xff\xff\xff\x7f\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))},
		{"many cells few bytes", fixCRC([]byte("HSFP\x01\x01\x00\x01\xff\xff\x3f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Partial
			err := p.UnmarshalBinary(tt.data)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v, want ErrCorrupt", err)
			}
		})
	}
	// Every single-byte corruption of every sample must fail cleanly or
	// decode to something that re-encodes stably.
	for _, s := range samples {
		for i := 0; i < len(s)-4; i++ {
			c := append([]byte(nil), s...)
			c[i] ^= 0x5a
			checkDecode(t, fixCRC(c))
		}
	}
}

// checkDecode asserts the unmarshal invariants on arbitrary bytes.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	var p Partial
	if err := p.UnmarshalBinary(data); err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
		return
	}
	_ = p.Finalize()
	b1, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var q Partial
	if err := q.UnmarshalBinary(b1); err != nil {
		t.Fatalf("re-decoding own encoding: %v", err)
	}
	b2, _ := q.MarshalBinary()
	if !bytes.Equal(b1, b2) {
		t.Fatal("encoding not stable")
	}
	if err := q.Merge(&p); err != nil {
		t.Fatalf("merge with own copy: %v", err)
	}
}

func FuzzUnmarshalPartial(f *testing.F) {
	for _, s := range samplePartials(f) {
		f.Add(s)
	}
	f.Add([]byte("HSFP\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
		checkDecode(t, fixCRC(data))
	})
}
