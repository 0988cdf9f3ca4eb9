package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunSpecWindowDayNotInCalendar: hsfan run --spec with 30 February on a standard-calendar
// axis fails naming the spec file, line, key, day and calendar, and makes no output folder.
func TestRunSpecWindowDayNotInCalendar(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeDailyStore(t, data, 90)
	for _, tc := range []struct {
		rng, want string
	}{
		{"2022-02-30..2022-03-01", "w.yaml:7: window.range: 2022-02-30 is not a day of the standard calendar of time axis time"},
		{"2021-02-29..2021-03-01", "w.yaml:7: window.range: 2021-02-29 is not a day of the standard calendar"},
	} {
		t.Run(tc.rng, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			p := windowSpec(t, t.TempDir(), data, out, "w")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), "last 3 months", tc.rng, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, errs := run(t, "run", "--spec", p, "--store", "file://"+data, "--bucket", "hsfan")
			if code != 1 || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "nothing written") {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("the output folder was made: %v", err)
			}
		})
	}
}
