package ops

import "testing"

func TestParseKind(t *testing.T) {
	tests := []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"count", Count, false}, {"sum", Sum, false}, {"mean", Mean, false}, {"wmean", Mean, false},
		{"MIN", Min, false}, {"max", Max, false}, {"var", Var, false}, {"std", Std, false},
		{"stddev", Std, false}, {" histogram ", Histogram, false}, {"hist", Histogram, false},
		{"median", 0, true}, {"", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, err := ParseKind(tt.in)
			if (err != nil) != tt.wantErr || k != tt.want {
				t.Fatalf("ParseKind(%q) = %v, %v; want %v, err %v", tt.in, k, err, tt.want, tt.wantErr)
			}
		})
	}
	for _, k := range Kinds() {
		back, err := ParseKind(k.String())
		if err != nil || back != k {
			t.Errorf("round trip of %v: %v, %v", k, back, err)
		}
	}
	names := map[Kind]string{Count: "count", Sum: "sum", Mean: "mean", Min: "min", Max: "max", Var: "var", Std: "std", Histogram: "histogram"}
	for k, n := range names {
		if k.String() != n {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), n)
		}
	}
	if Kind(99).String() != "Kind(99)" || Kind(99).Valid() {
		t.Error("invalid kind handling")
	}
}
