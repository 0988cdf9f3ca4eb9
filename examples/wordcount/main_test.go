package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun runs the example's driver in process and checks its counts against a straightforward
// count of the same text.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "books")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	texts := []string{"The fan-out: the MAP, the reduce.\nA map\r\nof maps", "", "Reduce; reduce! the end"}
	want := map[string]int64{}
	for i, s := range texts {
		if err := os.WriteFile(filepath.Join(in, "b"+string(rune('0'+i))+".txt"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r < 'a' || r > 'z' }) {
			if len(w) >= 3 {
				want[w]++
			}
		}
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--input", "file://" + in + "/*.txt", "--out", out, "--min-len", "3"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(out, "lowerwords.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Columns struct {
			Word  []string `json:"word"`
			Count []int64  `json:"count"`
		} `json:"columns"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for i, w := range doc.Columns.Word {
		got[w] = doc.Columns.Count[i]
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for w, n := range want {
		if got[w] != n {
			t.Errorf("%s: %d, want %d", w, got[w], n)
		}
	}
}
