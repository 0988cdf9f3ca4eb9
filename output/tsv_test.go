package output

import (
	"bytes"
	"math"
	"testing"
)

func TestWriteTSV(t *testing.T) {
	tab := Table{Columns: []Column{
		{Name: "k", String: []string{"a\tb", "c\\d\ne", "plain"}},
		{Name: "n", Int64: []int64{-1, 0, 1 << 40}},
		{Name: "x", Float64: []float64{0.1, math.NaN(), math.Inf(1)}},
	}}
	var b bytes.Buffer
	if err := WriteTSV(&b, tab); err != nil {
		t.Fatal(err)
	}
	want := "k\tn\tx\na\\tb\t-1\t0.1\nc\\\\d\\ne\t0\t\nplain\t1099511627776\t\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	if err := WriteTSV(&b, Table{}); err == nil {
		t.Error("a table without columns was written")
	}
}
