package ops

import (
	"encoding/json"
	"testing"
)

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

func TestKindJSON(t *testing.T) {
	type task struct {
		Op Kind `json:"op"`
	}
	b, err := json.Marshal(task{Op: Std})
	if err != nil || string(b) != `{"op":"std"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var got task
	if err := json.Unmarshal([]byte(`{"op":"wmean"}`), &got); err != nil || got.Op != Mean {
		t.Fatalf("unmarshal: %v, %v", got.Op, err)
	}
	if err := json.Unmarshal([]byte(`{"op":"median"}`), &got); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := json.Marshal(task{}); err == nil {
		t.Error("zero kind marshalled")
	}
}
