package spec

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExamples: every spec under examples/specs and every YAML block of the README's "Scheduled
// analyses" section parses, and a reduce spec's reduction builds.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/specs/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if s.Kind == KindReduce {
			if _, err := s.Reduce.ReduceSpec(); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Scheduled analyses")
	if !ok {
		t.Fatal("the README has no Scheduled analyses section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(blocks) == 0 {
		t.Fatal("no yaml block in the README's Scheduled analyses section")
	}
	for i, b := range blocks {
		if _, err := Parse("README block "+string(rune('1'+i)), []byte(b[1])); err != nil {
			t.Errorf("%v", err)
		}
	}
}
