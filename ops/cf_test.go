package ops

import (
	"encoding/json"
	"math"
	"testing"
)

func ptr(x float64) *float64 { return &x }

func TestCFFromAttrs(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		attrs   map[string]any
		want    CF
		wantErr bool
	}{
		{"empty", map[string]any{}, CF{Scale: 1, ValidMin: nan, ValidMax: nan, UnitScale: 1}, false},
		{"mur25", map[string]any{"scale_factor": json.Number("0.001"), "add_offset": 298.15, "_FillValue": []any{json.Number("-32768")}, "units": "kelvin"},
			CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: nan, ValidMax: nan, UnitScale: 1}, false},
		{"valid_range", map[string]any{"valid_range": []any{-1000.0, 1000.0}, "missing_value": []any{1.0, 2.0}},
			CF{Scale: 1, Missing: []float64{1, 2}, ValidMin: -1000, ValidMax: 1000, UnitScale: 1}, false},
		{"valid min max ints", map[string]any{"valid_min": int16(-5), "valid_max": []float64{7}, "scale_factor": float32(0.5)},
			CF{Scale: 0.5, ValidMin: -5, ValidMax: 7, UnitScale: 1}, false},
		{"nan fill string", map[string]any{"_FillValue": "NaN"}, CF{Scale: 1, Fill: ptr(nan), ValidMin: nan, ValidMax: nan, UnitScale: 1}, false},
		{"bad scale", map[string]any{"scale_factor": "abc"}, CF{}, true},
		{"zero scale", map[string]any{"scale_factor": 0.0}, CF{}, true},
		{"two fills", map[string]any{"_FillValue": []any{1.0, 2.0}}, CF{}, true},
		{"short valid_range", map[string]any{"valid_range": []any{1.0}}, CF{}, true},
		{"empty valid range", map[string]any{"valid_min": 5.0, "valid_max": 1.0}, CF{}, true},
		{"bad type", map[string]any{"add_offset": map[string]any{}}, CF{}, true},
		{"nested list", map[string]any{"missing_value": []any{[]any{1.0, 2.0}}}, CF{}, true},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CFFromAttrs(tt.attrs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			w := tt.want
			if !same(got.Scale, w.Scale) || !same(got.Offset, w.Offset) || !same(got.ValidMin, w.ValidMin) ||
				!same(got.ValidMax, w.ValidMax) || !same(got.UnitScale, w.UnitScale) || !same(got.UnitOffset, w.UnitOffset) {
				t.Errorf("got %+v, want %+v", got, w)
			}
			if (got.Fill == nil) != (w.Fill == nil) || (got.Fill != nil && !same(*got.Fill, *w.Fill)) {
				t.Errorf("fill %v, want %v", got.Fill, w.Fill)
			}
			if len(got.Missing) != len(w.Missing) {
				t.Errorf("missing %v, want %v", got.Missing, w.Missing)
			}
		})
	}
}

// TestAddLinear: unit steps compose (K->C then C->F equals K->F).
func TestAddLinear(t *testing.T) {
	cf := NewCF()
	cf.AddLinear(1, -273.15)
	cf.AddLinear(1.8, 32)
	dst := make([]float64, 1)
	_ = DecodeFloat64(dst, []float64{373.15}, &cf)
	if math.Abs(dst[0]-212) > 1e-9 {
		t.Errorf("composed K->C->F of 373.15 = %v", dst[0])
	}
}

func TestDecode(t *testing.T) {
	nan := math.NaN()
	mur := CF{Scale: 0.001, Offset: 298.15, Fill: ptr(-32768), ValidMin: nan, ValidMax: nan, UnitOffset: -273.15}
	ranged := CF{Scale: 2, Offset: 1, ValidMin: -10, ValidMax: 10, Missing: []float64{3, 5, nan}}
	tests := []struct {
		name string
		run  func(dst []float64, cf *CF) error
		cf   *CF
		want []float64
	}{
		{"int16 mur", func(d []float64, cf *CF) error {
			return DecodeInt16(d, []int16{-32768, 0, 1000, -32767}, cf)
		}, &mur, []float64{nan, 25, 26, 25 - 32.767}},
		{"int8 range and missing", func(d []float64, cf *CF) error {
			return DecodeInt8(d, []int8{-11, -10, 3, 5, 10, 11}, cf)
		}, &ranged, []float64{nan, -19, nan, nan, 21, nan}},
		{"uint8 zero CF", func(d []float64, cf *CF) error { return DecodeUint8(d, []uint8{0, 255}, cf) }, &CF{}, []float64{0, 255}},
		{"uint16 nil", func(d []float64, cf *CF) error { return DecodeUint16(d, []uint16{7, 65535}, cf) }, nil, []float64{7, 65535}},
		{"int32 fill", func(d []float64, cf *CF) error { return DecodeInt32(d, []int32{-1, 2}, cf) }, &CF{Fill: ptr(-1), ValidMin: nan, ValidMax: nan}, []float64{nan, 2}},
		{"uint32 scale", func(d []float64, cf *CF) error { return DecodeUint32(d, []uint32{4}, cf) }, &CF{Scale: 0.5}, []float64{2}},
		{"int64 offset", func(d []float64, cf *CF) error { return DecodeInt64(d, []int64{-4}, cf) }, &CF{Offset: 10}, []float64{6}},
		{"uint64 valid max", func(d []float64, cf *CF) error { return DecodeUint64(d, []uint64{1, 9}, cf) }, &CF{ValidMin: nan, ValidMax: 5}, []float64{1, nan}},
		{"float32 nan passes", func(d []float64, cf *CF) error {
			return DecodeFloat32(d, []float32{float32(nan), 1.5, -9999}, cf)
		}, &CF{Fill: ptr(-9999), ValidMin: nan, ValidMax: nan, UnitScale: 2}, []float64{nan, 3, nan}},
		{"float64 valid min only", func(d []float64, cf *CF) error {
			return DecodeFloat64(d, []float64{-1, 0, math.Inf(1)}, cf)
		}, &CF{ValidMin: 0, ValidMax: nan}, []float64{nan, 0, math.Inf(1)}},
		{"many missing with units", func(d []float64, cf *CF) error {
			return DecodeInt16(d, []int16{1, 2, 3, 4}, cf)
		}, &CF{Missing: []float64{2, 4}, ValidMin: nan, ValidMax: nan, UnitScale: 10, UnitOffset: 1}, []float64{11, nan, 31, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]float64, len(tt.want))
			if err := tt.run(dst, tt.cf); err != nil {
				t.Fatal(err)
			}
			for i := range dst {
				if relErr(dst[i], tt.want[i]) > 1e-12 {
					t.Errorf("element %d: %v, want %v", i, dst[i], tt.want[i])
				}
			}
		})
	}
	if err := DecodeInt16(make([]float64, 1), []int16{1, 2}, nil); err == nil {
		t.Error("short destination accepted")
	}
	// In place float64 decoding with several missing values.
	v := []float64{1, 2, 3}
	if err := DecodeFloat64(v, v, &CF{Scale: 10, Missing: []float64{1, 3}, ValidMin: nan, ValidMax: nan}); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(v[0]) || v[1] != 20 || !math.IsNaN(v[2]) {
		t.Errorf("in-place decode: %v", v)
	}
}

func TestCosLatWeights(t *testing.T) {
	tests := []struct {
		name  string
		lat   []float64
		limit float64
		want  []float64
	}{
		{"limit 60", []float64{-70, -60, 0, 45, 60.5}, 60, []float64{0, 0.5, 1, math.Sqrt2 / 2, 0}},
		{"no limit", []float64{-70, 90}, 0, []float64{math.Cos(70 * math.Pi / 180), 0}},
		{"nan limit", []float64{80}, math.NaN(), []float64{math.Cos(80 * math.Pi / 180)}},
		{"nan lat", []float64{math.NaN()}, 60, []float64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CosLatWeights(tt.lat, tt.limit)
			for i := range got {
				if math.Abs(got[i]-tt.want[i]) > 1e-15 {
					t.Errorf("lat %v: %v, want %v", tt.lat[i], got[i], tt.want[i])
				}
			}
		})
	}
}
