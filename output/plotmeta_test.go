package output

import (
	"bytes"
	"image/png"
	"strings"
	"testing"
)

// TestPlotCarriesMeta: the PNG plot holds the table's meta (run id, inputs) in a tEXt chunk and
// still decodes as a PNG.
func TestPlotCarriesMeta(t *testing.T) {
	tb := Table{Columns: []Column{{Name: "time", String: []string{"2022-01-01", "2022-01-02"}}, {Name: "mean", Float64: []float64{1, 2}}},
		Meta: map[string]any{"run_id": "20260101T000000Z-abcd", "inputs": map[string]any{"dataset": "/sst_é😀"}}}
	var b bytes.Buffer
	if err := WritePlot(&b, tb, "time", "mean"); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b.Bytes())); err != nil {
		t.Fatalf("plot is no longer a PNG: %v", err)
	}
	s := b.String()
	i := strings.Index(s, "tEXt"+ArrowMetaKey+"\x00")
	if i < 0 || !strings.Contains(s[i:], `"run_id":"20260101T000000Z-abcd"`) {
		t.Errorf("no tEXt chunk with the meta")
	}
	if !strings.Contains(s, `"/sst_\u00e9\ud83d\ude00"`) {
		t.Errorf("non-ASCII meta not escaped for tEXt (Latin-1)")
	}
}
