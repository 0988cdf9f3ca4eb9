package ops

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

func TestParseRawType(t *testing.T) {
	tests := []struct {
		in      string
		want    RawType
		wantErr bool
	}{
		{"<i2", RawType{'i', 2, false}, false},
		{">f4", RawType{'f', 4, true}, false},
		{"|u1", RawType{'u', 1, false}, false},
		{"f8", RawType{'f', 8, false}, false},
		{"int16", RawType{'i', 2, false}, false},
		{"Float32", RawType{'f', 4, false}, false},
		{"H5T_STD_I16LE", RawType{'i', 2, false}, false},
		{"H5T_STD_U64BE", RawType{'u', 8, true}, false},
		{"H5T_IEEE_F32BE", RawType{'f', 4, true}, false},
		{"H5T_IEEE_F16LE", RawType{}, true},
		{"<f2", RawType{}, true},
		{"<i3", RawType{}, true},
		{"complex64", RawType{}, true},
		{"", RawType{}, true},
		{"H5T_STD_I16XX", RawType{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRawType(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseRawType(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil {
				back, err := ParseRawType(got.String())
				if err != nil || back != got {
					t.Errorf("String round trip %q: %+v, %v", got.String(), back, err)
				}
			}
		})
	}
}

func TestDecodeBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const n = 5000 // more than one batch
	cf := CF{Scale: 0.5, Offset: 3, Fill: ptr(7), ValidMin: math.NaN(), ValidMax: math.NaN(), UnitOffset: -1}
	for _, name := range []string{"<i1", "<u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4", "<i8", ">i8", "<u8", ">u8", "<f4", ">f4", "<f8", ">f8"} {
		t.Run(name, func(t *testing.T) {
			typ, err := ParseRawType(name)
			if err != nil {
				t.Fatal(err)
			}
			var o binary.ByteOrder = binary.LittleEndian
			if typ.BigEndian {
				o = binary.BigEndian
			}
			raw := make([]byte, n*typ.Size)
			want := make([]float64, n)
			for i := 0; i < n; i++ {
				v := int64(rng.IntN(100)) // 0..99 fits every type, includes the fill 7
				b := raw[i*typ.Size:]
				switch {
				case typ.Size == 1:
					b[0] = byte(v)
				case typ.Class == 'f' && typ.Size == 4:
					o.PutUint32(b, math.Float32bits(float32(v)))
				case typ.Class == 'f':
					o.PutUint64(b, math.Float64bits(float64(v)))
				case typ.Size == 2:
					o.PutUint16(b, uint16(v))
				case typ.Size == 4:
					o.PutUint32(b, uint32(v))
				default:
					o.PutUint64(b, uint64(v))
				}
				want[i] = float64(v)*0.5 + 3 - 1
				if v == 7 {
					want[i] = math.NaN()
				}
			}
			got := make([]float64, n)
			if err := DecodeBytes(got, raw, typ, &cf); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if relErr(got[i], want[i]) != 0 {
					t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
	errs := []struct {
		name string
		dst  int
		src  int
		typ  RawType
	}{
		{"ragged", 10, 5, RawType{'i', 2, false}},
		{"short dst", 1, 4, RawType{'i', 2, false}},
		{"bad type", 10, 4, RawType{'x', 2, false}},
	}
	for _, e := range errs {
		if err := DecodeBytes(make([]float64, e.dst), make([]byte, e.src), e.typ, nil); err == nil {
			t.Errorf("%s: no error", e.name)
		}
	}
}

func BenchmarkDecodeBytesInt16(b *testing.B) {
	raw := benchRaw()
	src := make([]byte, 2*len(raw))
	for i, v := range raw {
		binary.LittleEndian.PutUint16(src[2*i:], uint16(v))
	}
	dst := make([]float64, len(raw))
	cf := CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: math.NaN(), ValidMax: math.NaN(), UnitOffset: -273.15}
	typ := RawType{'i', 2, false}
	cpu0 := cpuTime()
	for b.Loop() {
		if err := DecodeBytes(dst, src, typ, &cf); err != nil {
			b.Fatal(err)
		}
	}
	report(b, len(raw), 2, cpu0)
}
