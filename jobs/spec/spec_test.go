package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const good = `name: sst-monthly
kind: reduce
schedule:
  cron: "0 6 1 * *"
  time_zone: UTC
window:
  range: last 3 months
  time_zone: UTC
reduce:
  op: mean
  domain: /shared/sst/mur25.h5
  dataset: /analysed_sst
  reduce: lat,lon
  weights: coslat:60
  concurrency: 8
  hist-min: -2.5
  task-time: 5s
`

func TestParseGood(t *testing.T) {
	s, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "sst-monthly" || s.Kind != KindReduce || s.Schedule.Cron != "0 6 1 * *" || s.Schedule.TimeZone != "UTC" {
		t.Fatalf("parsed %+v", s)
	}
	want := []string{"mean", "--concurrency=8", "--dataset=/analysed_sst", "--domain=/shared/sst/mur25.h5",
		"--hist-min=-2.5", "--reduce=lat,lon", "--task-time=5s", "--weights=coslat:60"}
	if got := s.Reduce.Args(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("Args = %v, want %v", got, want)
	}
	if s.Line("reduce.concurrency") != 15 {
		t.Fatalf("line of reduce.concurrency = %d, want 15", s.Line("reduce.concurrency"))
	}
	// Marshal and parse again: the same spec.
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse("again", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if strings.Join(s2.Reduce.Args(), " ") != strings.Join(want, " ") || s2.Window.Range != s.Window.Range || s2.Window.TimeZone != s.Window.TimeZone || s2.Window.Axis != s.Window.Axis || *s2.Schedule != *s.Schedule {
		t.Fatalf("round trip changed the spec:\n%s", b)
	}
}

func TestParseErrors(t *testing.T) {
	base := strings.Split(good, "\n")
	edit := func(line int, text string) string {
		l := append([]string(nil), base...)
		l[line-1] = text
		return strings.Join(l, "\n")
	}
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"unknown top key", edit(2, "kind: reduce\nfoo: 1"), "good.yaml:3: unknown key foo"},
		{"unknown reduce key", edit(13, "  reduec: lat"), "good.yaml:13: unknown key reduec"},
		{"wrong type", edit(15, "  concurrency: many"), "good.yaml:15: reduce.concurrency: cannot unmarshal !!str `many` into int"},
		{"a list for a string", edit(4, "  cron: [1, 2]"), "good.yaml:4: schedule.cron: cannot unmarshal !!seq into string"},
		{"select with a window", edit(13, "  select: '[0:3,:,:]'"), "good.yaml:13: reduce.select: a spec with a window"},
		{"histogram without range", edit(10, "  op: histogram"), "good.yaml:10: reduce.op: a histogram with a window needs"},
		{"bad kind", edit(2, "kind: reduction"), `good.yaml:2: kind: "reduction": want reduce or mapreduce`},
		{"no kind", edit(2, ""), "kind: missing"},
		{"bad name", edit(1, "name: a b"), `good.yaml:1: name: "a b"`},
		{"bad op", edit(10, "  op: median"), "good.yaml:10: reduce.op"},
		{"bad cron", edit(4, `  cron: "61 * * * *"`), "good.yaml:4: schedule.cron"},
		{"no zone", edit(5, ""), "time_zone is required"},
		{"bad zone", edit(5, "  time_zone: Mars/Olympus"), "good.yaml:5: schedule.time_zone"},
		{"zones disagree", edit(4, `  cron: "CRON_TZ=Europe/Paris 0 6 1 * *"`), "disagree"},
		{"bad window", edit(7, "  range: last 3 fortnights"), "good.yaml:7: window.range"},
		{"bad date", edit(7, "  range: 2022-04-31..2022-05-01"), "not a day of any CF calendar"},
		{"reversed", edit(7, "  range: 2022-05-01..2022-04-01"), "after the last"},
		{"no window zone", edit(8, ""), "time_zone is required"},
		{"duplicate key", edit(15, "  concurrency: 8\n  concurrency: 9"), "already defined"},
		{"two documents", good + "---\nname: x\n", "more than one YAML document"},
		{"mapreduce section in reduce", good + "mapreduce:\n  job: wc\n", "mapreduce section in a spec of kind reduce"},
		{"no domain", edit(11, ""), "domain is missing"},
		{"empty", "", "empty document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("good.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("err %v is not ErrSpec", err)
			}
		})
	}
}

func TestMapReduceKind(t *testing.T) {
	doc := `name: wc
kind: mapreduce
mapreduce:
  job: wordcount
  input: [s3://b/a.txt, s3://b/b.txt]
  out: out/wc
  reducers: 4
  split-size: 1048576
  invoker: local
  concurrency: 16
`
	s, err := Parse("wc.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s.MapReduce.Reducers != 4 || len(s.MapReduce.Input) != 2 || s.MapReduce.SplitSize != 1<<20 {
		t.Fatalf("parsed %+v", s.MapReduce)
	}
	_, err = Parse("wc.yaml", []byte(strings.Replace(doc, "invoker: local", "invoker: ec2", 1)))
	if err == nil || !strings.Contains(err.Error(), "wc.yaml:9: mapreduce.invoker") {
		t.Fatalf("bad invoker: %v", err)
	}
	// One input may be given as a string, as on the command line; a mapping is still refused.
	for _, tc := range []struct{ input, want, err string }{
		{"s3://b/a.txt", "[s3://b/a.txt]", ""},
		{"[s3://b/a.txt]", "[s3://b/a.txt]", ""},
		{"\n    - s3://b/a.txt\n    - file:///x", "[s3://b/a.txt file:///x]", ""},
		{"{a: b}", "", "wc.yaml:5: mapreduce.input"},
		{"[1, [2]]", "", "wc.yaml:5: mapreduce.input"},
	} {
		s, err := Parse("wc.yaml", []byte(strings.Replace(doc, "[s3://b/a.txt, s3://b/b.txt]", tc.input, 1)))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("input %q: err %v, want %q", tc.input, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("input %q: %v", tc.input, err)
		case tc.err == "" && fmt.Sprint(s.MapReduce.Input) != tc.want:
			t.Errorf("input %q: %v, want %s", tc.input, s.MapReduce.Input, tc.want)
		}
	}
}

func TestSetFlag(t *testing.T) {
	var r Reduce
	for _, name := range FlagNames() {
		if err := r.SetFlag(name, "1"); err != nil && !strings.Contains(err.Error(), "not a boolean") {
			t.Fatalf("SetFlag(%s): %v", name, err)
		}
	}
	if err := r.SetFlag("no-such-flag", "1"); err == nil {
		t.Fatal("unknown flag accepted")
	}
	if err := r.SetFlag("concurrency", "x"); err == nil {
		t.Fatal("non-integer accepted")
	}
}

// TestMapReduceParams: a mapreduce section's params are the job's parameters, checked by the job
// at parse time with the file, line and key of a bad one; an unknown key of the section names
// the section's keys (not hsfan run's).
func TestMapReduceParams(t *testing.T) {
	head := "name: q\nkind: mapreduce\nmapreduce:\n  job: %s\n  input: s3://b/uv/\n  out: out/q\n"
	for _, tc := range []struct {
		name, job, tail, want, err string
	}{
		{"q2 x", "bdb-q2", "  params:\n    x: 3\n", "map[x:3]", ""},
		{"q3 dates and limit", "bdb-q3", "  params:\n    from: 1980-01-01\n    to: \"1983-01-01\"\n    limit: 0\n", "map[from:1980-01-01 limit:0 to:1983-01-01]", ""},
		{"a float as written", "bdb-q1", "  params: {x: 1e3}\n", "", "q.yaml:7: mapreduce.params.x: job bdb-q1: parameter x \"1e3\": want an integer >= 0"},
		{"no params", "wordcount", "", "map[]", ""},
		{"unknown parameter", "bdb-q2", "  params:\n    x: 3\n    y: 1\n", "", `q.yaml:9: mapreduce.params.y: job bdb-q2: unknown parameter "y" (known: [x])`},
		{"bad value", "bdb-q2", "  params:\n    x: 99\n", "", "q.yaml:8: mapreduce.params.x: job bdb-q2: parameter x \"99\": want an integer in [1, 64]"},
		{"bad date", "bdb-q3", "  params:\n    from: 1980-13-01\n", "", `q.yaml:8: mapreduce.params.from: job bdb-q3: parameter from "1980-13-01": want a calendar date`},
		{"from after to", "bdb-q3", "  params:\n    from: 1981-01-01\n    to: 1980-06-01\n", "", "q.yaml:7: mapreduce.params: job bdb-q3: parameters from 1981-01-01 and to 1980-06-01: want from <= to"},
		{"negative limit", "bdb-q3", "  params:\n    limit: -1\n", "", `q.yaml:8: mapreduce.params.limit: job bdb-q3: parameter limit "-1": want an integer >= 0`},
		{"a boolean", "bdb-q2", "  params:\n    x: true\n", "", `q.yaml:8: mapreduce.params.x: a job parameter is a string or a number, not bool "true"`},
		{"a list", "bdb-q2", "  params:\n    x: [8]\n", "", "q.yaml:8: mapreduce.params.x: a job parameter is a string or a number, not a list"},
		{"params not a mapping", "bdb-q2", "  params: 8\n", "", "q.yaml:7: mapreduce.params: cannot unmarshal"},
		{"unknown job", "nope", "", "", `q.yaml:4: mapreduce.job: "nope": want one of bdb-q1, bdb-q2, bdb-q3`},
		{"a parameter as a key", "bdb-q2", "  x: 8\n", "", "q.yaml:7: unknown key x (not a key of MapReduce; a mapreduce section takes job, input, out, params, reducers, split-size, invoker, concurrency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("q.yaml", []byte(fmt.Sprintf(head, tc.job)+tc.tail))
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "--print-spec") {
					t.Fatalf("err = %v, want it to contain %q", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			case fmt.Sprint(s.MapReduce.ParamMap()) != tc.want:
				t.Fatalf("params %v, want %s", s.MapReduce.ParamMap(), tc.want)
			}
		})
	}
}
