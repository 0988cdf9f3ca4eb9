package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/rest"
)

func testEnv(t *testing.T) *Env {
	t.Helper()
	return &Env{DataDir: filepath.Join(t.TempDir(), "data"), OutDir: filepath.Join(t.TempDir(), "out"), Quick: true, Python: "/usr/bin/python3"}
}

// TestCached: a complete cache is reused, a directory without the marker (an interrupted
// prepare) or with another key is made again, and a failed make leaves no directory behind.
func TestCached(t *testing.T) {
	env := testEnv(t)
	env.Log = slog.New(slog.DiscardHandler)
	ctx := context.Background()
	made := 0
	mk := func(content string) func(context.Context, string) error {
		return func(_ context.Context, tmp string) error {
			made++
			return os.WriteFile(filepath.Join(tmp, "data"), []byte(content), 0o644)
		}
	}
	read := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "data"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dir, err := cached(ctx, env, "c", "k1", mk("one"))
	if err != nil || made != 1 || read(dir) != "one" {
		t.Fatalf("first: %v, made %d", err, made)
	}
	if _, err := cached(ctx, env, "c", "k1", mk("two")); err != nil || made != 1 || read(dir) != "one" {
		t.Fatalf("a complete cache was not reused: %v, made %d, data %q", err, made, read(dir))
	}
	if _, err := cached(ctx, env, "c", "k2", mk("three")); err != nil || made != 2 || read(dir) != "three" {
		t.Fatalf("a cache of another key was reused: %v, made %d, data %q", err, made, read(dir))
	}
	// An interrupted prepare: the data is there, the marker is not.
	if err := os.Remove(filepath.Join(dir, completeMarker)); err != nil {
		t.Fatal(err)
	}
	if _, err := cached(ctx, env, "c", "k2", mk("four")); err != nil || made != 3 || read(dir) != "four" {
		t.Fatalf("a cache without its marker was trusted: %v, made %d, data %q", err, made, read(dir))
	}
	boom := errors.New("boom")
	if _, err := cached(ctx, env, "d", "k", func(_ context.Context, tmp string) error {
		_ = os.WriteFile(filepath.Join(tmp, "half"), nil, 0o644)
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("failed make: %v", err)
	}
	entries, _ := os.ReadDir(env.DataDir)
	for _, e := range entries {
		if e.Name() != "c" {
			t.Errorf("a failed make left %s in the data directory", e.Name())
		}
	}
}

// tampered changes the answer of its case's first system: the report must fail the case.
type tampered struct {
	Case
	change func(any) any
}

func (c tampered) Systems(env *Env) []System {
	ss := c.Case.Systems(env)
	run := ss[0].Run
	ss[0].Run = func(ctx context.Context) (Outcome, error) {
		o, err := run(ctx)
		o.Answer = c.change(o.Answer)
		return o, err
	}
	return ss
}

// TestDisagreementFails runs the fanout case with one system's answer changed on purpose: the
// case fails naming the system, the others still agree, and the table, JSON and chart say so.
func TestDisagreementFails(t *testing.T) {
	env := testEnv(t)
	c := tampered{fanoutCase{}, func(a any) any {
		x := a.(fanoutAnswer)
		x.IndexSum++
		return x
	}}
	r, err := Run(context.Background(), env, []Case{c, fanoutCase{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Failed(); len(got) != 1 || got[0] != "fanout" || r.Cases[1].Status != StatusOK {
		t.Fatalf("failed cases %v (statuses %s, %s), want the tampered fanout only", got, r.Cases[0].Status, r.Cases[1].Status)
	}
	bad := r.Cases[0].Systems[0]
	if bad.Status != StatusFailed || bad.Agrees == nil || *bad.Agrees || !strings.Contains(bad.Error, "disagrees with goroutine pool") {
		t.Errorf("tampered system: %+v", bad)
	}
	if s := r.Cases[0].Systems[1]; s.Agrees == nil || !*s.Agrees {
		t.Errorf("untouched system: %+v", s)
	}
	var tab bytes.Buffer
	if err := r.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.String(), "answers disagree with goroutine pool: hsfan engine") {
		t.Errorf("table does not report the disagreement:\n%s", tab.String())
	}
	checkFiles(t, r, env.OutDir)
}

// checkFiles writes the report's files and checks the JSON round-trips and the PNG decodes.
func checkFiles(t *testing.T, r *Report, dir string) {
	t.Helper()
	if err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bench.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || len(back.Cases) != len(r.Cases) {
		t.Fatalf("bench.json: %v, %d cases", err, len(back.Cases))
	}
	f, err := os.Open(filepath.Join(dir, "bench.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil || img.Bounds().Dx() < 300 {
		t.Fatalf("bench.png: %v", err)
	}
}

// fakeCase has an hsfan system and a peer that is missing here.
type fakeCase struct{}

func (fakeCase) Name() string                        { return "fake" }
func (fakeCase) About(*Env) string                   { return "fake" }
func (fakeCase) Prepare(context.Context, *Env) error { return nil }
func (fakeCase) Agree(ref, got any) error            { return nil }
func (fakeCase) Systems(*Env) []System {
	return []System{
		{Name: "hsfan", Role: RoleHsfan, Run: func(context.Context) (Outcome, error) {
			return Outcome{Parts: []Part{{Name: "p", Seconds: 0.5, Bytes: 1e6}}, Answer: 1}, nil
		}},
		{Name: "thepeer", Role: RolePeer, Missing: "thepeer is not installed here"},
	}
}

// notBuiltCase's code is not in this binary.
type notBuiltCase struct{ fakeCase }

func (notBuiltCase) Name() string { return "notbuilt" }
func (notBuiltCase) Prepare(context.Context, *Env) error {
	return fmt.Errorf("notbuilt: %w", ErrNotBuilt)
}

// TestMissingAndNotBuilt: a missing peer is reported (the table says so and that the answers
// were not compared) without failing the case; a case whose code is not built says so.
func TestMissingAndNotBuilt(t *testing.T) {
	env := testEnv(t)
	r, err := Run(context.Background(), env, []Case{fakeCase{}, notBuiltCase{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Failed()) != 0 {
		t.Fatalf("failed: %v", r.Failed())
	}
	if s := r.Cases[0].Systems[1]; s.Status != StatusMissing || s.Error != "thepeer is not installed here" {
		t.Errorf("missing peer reported as %+v", s)
	}
	if r.Cases[1].Status != StatusNotBuilt || !strings.Contains(r.Cases[1].Error, "not built in this binary") {
		t.Errorf("notbuilt: %+v", r.Cases[1])
	}
	var tab bytes.Buffer
	if err := r.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"thepeer (ref)", "missing: thepeer is not installed here", "not compared", "not built in this binary", "2"} {
		if !strings.Contains(tab.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tab.String())
		}
	}
	checkFiles(t, r, env.OutDir)
}

func TestSSTAgree(t *testing.T) {
	ref := sstAnswer{Dates: []string{"2022-01-01", "2022-01-02"}, Means: []float64{20.1, 20.2}}
	for _, tc := range []struct {
		name string
		got  sstAnswer
		want string
	}{
		{"equal", sstAnswer{ref.Dates, []float64{20.1, 20.2}}, ""},
		{"within 1e-6", sstAnswer{ref.Dates, []float64{20.1 + 9e-7, 20.2}}, ""},
		{"beyond 1e-6", sstAnswer{ref.Dates, []float64{20.1, 20.2 + 2e-6}}, "2022-01-02"},
		{"NaN", sstAnswer{ref.Dates, []float64{math.NaN(), 20.2}}, "NaN"},
		{"a day less", sstAnswer{ref.Dates[:1], ref.Means[:1]}, "1 days, want 2"},
		{"other dates", sstAnswer{[]string{"2022-01-01", "2022-01-03"}, ref.Means}, "day 1 is 2022-01-03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := sstCase{}.Agree(ref, tc.got)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Agree = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHyperslabAgree(t *testing.T) {
	ref := map[string][]byte{"f32": cubeSlab("f32", 0, 1)[:8], "i16gz": cubeSlab("i16gz", 0, 1)[:8]}
	if err := (hyperslabCase{}).Agree(ref, ref); err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{"f32": ref["f32"], "i16gz": append([]byte{9}, ref["i16gz"][1:]...)}
	if err := (hyperslabCase{}).Agree(ref, got); err == nil || !strings.Contains(err.Error(), "i16gz") {
		t.Fatalf("Agree = %v, want the i16gz bytes named", err)
	}
}

// roundsCase's hsfan system takes 3, 1, 2 seconds in rounds 1, 2, 3 and answers round-1's
// answer except when drift is set, where round 3 answers otherwise.
type roundsCase struct {
	calls *int
	drift bool
}

func (roundsCase) Name() string                        { return "rounds" }
func (roundsCase) About(*Env) string                   { return "rounds" }
func (roundsCase) Prepare(context.Context, *Env) error { return nil }
func (roundsCase) Agree(ref, got any) error {
	if ref != got {
		return errors.New("differs")
	}
	return nil
}
func (c roundsCase) Systems(*Env) []System {
	return []System{
		{Name: "hsfan", Role: RoleHsfan, Run: func(context.Context) (Outcome, error) {
			*c.calls++
			answer := 7
			if c.drift && *c.calls == 3 {
				answer = 8
			}
			s := []float64{3, 1, 2}[*c.calls-1]
			return Outcome{Parts: []Part{{Name: "p", Seconds: s, Bytes: 1e6}}, Answer: answer}, nil
		}},
		{Name: "floor", Role: RoleFloor, Run: func(context.Context) (Outcome, error) {
			return Outcome{Parts: []Part{{Name: "p", Seconds: 0.5}}, Answer: 7}, nil
		}},
	}
}

// TestRepeat: --repeat keeps each part's best time, and a round answering otherwise than the
// first fails the case.
func TestRepeat(t *testing.T) {
	env := testEnv(t)
	env.Repeat = 3
	calls := 0
	r, err := Run(context.Background(), env, []Case{roundsCase{calls: &calls}})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Cases[0].Systems[0].Parts[0]
	if calls != 3 || r.Cases[0].Status != StatusOK || p.Seconds != 1 || p.MBPerS != 1 || p.RatioVsRef != 0.5 {
		t.Fatalf("calls %d, case %s, part %+v; want the best of 3 rounds (1 s)", calls, r.Cases[0].Status, p)
	}
	calls = 0
	r, err = Run(context.Background(), env, []Case{roundsCase{calls: &calls, drift: true}})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Cases[0].Systems[0]; r.Cases[0].Status != StatusFailed || !strings.Contains(s.Error, "round 3 answers otherwise than round 1") {
		t.Fatalf("a drifting answer: case %s, system %+v", r.Cases[0].Status, s)
	}
}

// TestHyperslabOneHsfanRow: hsfan serve's default chunk cache is HSDS's 4 x 128 MiB, so the
// hyperslab case has one hsfan row (a second one with the same cache given explicitly measured
// the same configuration twice) and the peer.
func TestHyperslabOneHsfanRow(t *testing.T) {
	if rest.DefaultChunkCacheBytes != 4*128<<20 {
		t.Fatalf("rest.DefaultChunkCacheBytes = %d, no longer HSDS's 4 x 128 MiB: the hyperslab case needs a row with that cache", rest.DefaultChunkCacheBytes)
	}
	var names []string
	for _, s := range (hyperslabCase{}).Systems(&Env{DataDir: t.TempDir(), OutDir: t.TempDir(), Quick: true, PeersMissing: "not here"}) {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "hsfan serve,hsds-0.9.4" {
		t.Fatalf("systems %v, want [hsfan serve hsds-0.9.4]", names)
	}
}
