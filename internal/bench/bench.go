// Package bench is `hsfan bench`: named benchmark cases that run hsfan and, where it is
// installable here, the peer users compare hsfan with, side by side in one run, on the same data
// (prepared once and cached), check that their answers agree, and report seconds, MB/s and
// ratios as a table, a JSON file and a PNG chart.
//
// A case is a small interface (Case): Prepare makes its data once (cached under Env.DataDir and
// trusted only when complete, see cache.go), Systems lists what runs (hsfan, the peer, floors),
// each System.Run returns its figures and its answer, and Agree compares an answer with the
// reference system's. Adding a case is a file implementing Case and a line in Cases.
package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Role says what a system is in a case.
type Role string

const (
	// RoleHsfan is hsfan itself.
	RoleHsfan Role = "hsfan"
	// RolePeer is the system users compare hsfan with (xarray, the real HSDS); ratios are
	// against it.
	RolePeer Role = "peer"
	// RoleFloor is a lower bound on the time (plain code doing only the essential work).
	RoleFloor Role = "floor"
)

// Env is what every case gets: where its data and outputs go and how to run the programs.
type Env struct {
	// DataDir holds the cached data of every case (one subdirectory per case and size).
	DataDir string
	// OutDir receives the JSON, PNG and each case's scratch outputs.
	OutDir string
	// Quick selects small sizes (seconds, for tests).
	Quick bool
	// HsfanBin is the hsfan executable run as a subprocess (whole-process timing); Environ is the
	// environment of every subprocess (nil: this process's).
	HsfanBin string
	Environ  []string
	// PeersDir is the folder with hsds-peer.sh (the real HSDS 0.9.4); "" when not found (the
	// reason in PeersMissing).
	PeersDir, PeersMissing string
	// Python is the interpreter of the Python peers (/usr/bin/python3).
	Python string
	// Procs is the number of processes/threads the peers use (2, as the figures).
	Procs int
	// Repeat is the number of rounds each system runs (each part keeps its best time; 0 is 1).
	Repeat int
	// Log receives progress lines.
	Log *slog.Logger
}

// Outcome is what one system's run returns.
type Outcome struct {
	// Parts are the timed measurements (one per table row); a case with several (cold and warm
	// reads of two cubes) names them.
	Parts []Part
	// Answer is compared with the reference system's by Case.Agree.
	Answer any
	// Figures are further numbers for the JSON (per-task overhead, decode MB/s, ...).
	Figures map[string]float64
	// Notes say how the system ran (processes, command).
	Notes []string
}

// Part is one timed measurement of a system.
type Part struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// Bytes is the data volume the MB/s figure is computed from (the case says which).
	Bytes int64 `json:"bytes"`
}

// System is one contender of a case.
type System struct {
	Name string
	Role Role
	// Missing, when not empty, says why the system cannot run here (not installed); the table
	// and JSON report it, and the case is not failed for it unless the system is hsfan.
	Missing string
	// Reference makes this system the case's reference (of Agree and the ratios) whatever the
	// roles: a case whose peer may be missing but whose floor must still check the answers.
	Reference bool
	Run       func(ctx context.Context) (Outcome, error)
}

// Case is one named benchmark.
type Case interface {
	// Name is the command-line name (sst, hyperslab, fanout, mapreduce).
	Name() string
	// About is one line for the help and the report: the data and the measurement.
	About(env *Env) string
	// Prepare makes the case's data under env.DataDir once; a complete cache is reused.
	Prepare(ctx context.Context, env *Env) error
	// Systems lists the systems to run, hsfan first; the reference of Agree and of the ratios
	// is the first system marked Reference, else the first RolePeer, else the first RoleFloor,
	// else the first system.
	Systems(env *Env) []System
	// Agree returns an error saying how got differs from ref (the reference system's answer).
	Agree(ref, got any) error
}

// ErrNotBuilt is returned by the Prepare of a case whose code is not in this binary.
var ErrNotBuilt = errors.New("not built in this binary")

// Cases is the table of every case, in the order `all` runs them.
func Cases() []Case {
	return []Case{sstCase{}, hyperslabCase{}, fanoutCase{}, mapreduceCase{}}
}

// Names returns the case names of cases.
func Names(cases []Case) []string {
	var n []string
	for _, c := range cases {
		n = append(n, c.Name())
	}
	return n
}

// Status of a case or a system in the report.
const (
	StatusOK       = "ok"
	StatusFailed   = "failed"    // an error, or answers that disagree
	StatusMissing  = "missing"   // the system is not installed here
	StatusNotBuilt = "not built" // the case's code is not in this binary
)

// SystemReport is one system's result in a case.
type SystemReport struct {
	Name    string             `json:"name"`
	Role    Role               `json:"role"`
	Status  string             `json:"status"`
	Error   string             `json:"error,omitempty"`
	Parts   []PartReport       `json:"parts,omitempty"`
	Figures map[string]float64 `json:"figures,omitempty"`
	Notes   []string           `json:"notes,omitempty"`
	// Agrees is whether its answer agrees with the reference system's (nil: not compared).
	Agrees *bool `json:"agrees,omitempty"`
}

// PartReport is a Part with its rate and its ratio to the reference system's same part.
type PartReport struct {
	Part
	MBPerS float64 `json:"mb_per_s"`
	// RatioVsRef is the reference system's seconds over this system's (> 1: faster than the
	// reference, the peer where there is one); 0 when there is no reference figure.
	RatioVsRef float64 `json:"ratio_vs_ref,omitempty"`
}

// CaseReport is one case's result.
type CaseReport struct {
	Name      string         `json:"name"`
	About     string         `json:"about"`
	Status    string         `json:"status"`
	Error     string         `json:"error,omitempty"`
	Reference string         `json:"reference,omitempty"`
	PrepareS  float64        `json:"prepare_seconds"`
	Systems   []SystemReport `json:"systems,omitempty"`
}

// Report is the whole run.
type Report struct {
	Started  time.Time    `json:"started"`
	Seconds  float64      `json:"seconds"`
	Quick    bool         `json:"quick"`
	Repeat   int          `json:"repeat"`
	Command  []string     `json:"command,omitempty"`
	GOOS     string       `json:"goos"`
	GOARCH   string       `json:"goarch"`
	NumCPU   int          `json:"num_cpu"`
	Cases    []CaseReport `json:"cases"`
	JSONPath string       `json:"-"`
	PNGPath  string       `json:"-"`
}

// Failed returns the names of the failed cases.
func (r *Report) Failed() []string {
	var f []string
	for _, c := range r.Cases {
		if c.Status == StatusFailed {
			f = append(f, c.Name)
		}
	}
	return f
}

// Run runs cases one after the other and returns the report; the error is only for a context
// cancellation (a case's failure is in its report).
func Run(ctx context.Context, env *Env, cases []Case) (*Report, error) {
	if env.Log == nil {
		env.Log = slog.New(slog.DiscardHandler)
	}
	if env.Procs <= 0 {
		env.Procs = 2
	}
	r := &Report{Started: time.Now().UTC(), Quick: env.Quick, Repeat: max(1, env.Repeat), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU()}
	for _, c := range cases {
		r.Cases = append(r.Cases, runCase(ctx, env, c))
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("bench: %w", err)
		}
	}
	r.Seconds = time.Since(r.Started).Seconds()
	return r, nil
}

func runCase(ctx context.Context, env *Env, c Case) CaseReport {
	cr := CaseReport{Name: c.Name(), About: c.About(env), Status: StatusOK}
	env.Log.Info("bench: preparing", "case", c.Name())
	t0 := time.Now()
	err := c.Prepare(ctx, env)
	cr.PrepareS = time.Since(t0).Seconds()
	switch {
	case errors.Is(err, ErrNotBuilt):
		cr.Status, cr.Error = StatusNotBuilt, err.Error()
		return cr
	case errors.As(err, new(missingError)):
		// The data can only be made by the missing peer (the hyperslab cube is written by HSDS).
		cr.Status, cr.Error = StatusMissing, err.Error()
		return cr
	case err != nil:
		cr.Status, cr.Error = StatusFailed, fmt.Sprintf("prepare: %v", err)
		return cr
	}
	systems := c.Systems(env)
	outcomes := make([]*Outcome, len(systems))
	for _, s := range systems {
		sr := SystemReport{Name: s.Name, Role: s.Role, Status: StatusOK}
		if s.Missing != "" {
			sr.Status, sr.Error = StatusMissing, s.Missing
			if s.Role == RoleHsfan {
				cr.Status = StatusFailed
			}
		}
		cr.Systems = append(cr.Systems, sr)
	}
	// Rounds interleave the systems (hsfan, peer, hsfan, peer, ...) so that a change of the
	// machine's load hits all of them; each part keeps its best time.
	for round := range max(1, env.Repeat) {
		for i, s := range systems {
			sr := &cr.Systems[i]
			if sr.Status != StatusOK {
				continue
			}
			env.Log.Info("bench: running", "case", c.Name(), "system", s.Name, "round", round+1)
			o, err := s.Run(ctx)
			if err != nil {
				sr.Status, sr.Error = StatusFailed, fmt.Sprintf("round %d: %v", round+1, err)
				cr.Status = StatusFailed
				outcomes[i] = nil
				continue
			}
			if outcomes[i] == nil {
				outcomes[i] = &o
				sr.Figures, sr.Notes = o.Figures, o.Notes
				for _, p := range o.Parts {
					sr.Parts = append(sr.Parts, PartReport{Part: p, MBPerS: mbps(p)})
				}
				continue
			}
			// A later round must give the same answer as the first.
			if err := c.Agree(outcomes[i].Answer, o.Answer); err != nil {
				sr.Status, sr.Error = StatusFailed, fmt.Sprintf("round %d answers otherwise than round 1: %v", round+1, err)
				cr.Status = StatusFailed
				outcomes[i] = nil
				continue
			}
			for _, p := range o.Parts {
				for j := range sr.Parts {
					if sr.Parts[j].Name == p.Name && p.Seconds < sr.Parts[j].Seconds {
						sr.Parts[j].Part = p
						sr.Parts[j].MBPerS = mbps(p)
						if len(o.Figures) > 0 {
							sr.Figures = o.Figures // the figures of the best round
						}
					}
				}
			}
		}
	}
	ref := referenceOf(systems)
	cr.Reference = systems[ref].Name
	if outcomes[ref] == nil {
		if cr.Systems[ref].Status == StatusMissing && cr.Status == StatusOK {
			cr.Error = fmt.Sprintf("the answers were not compared: %s is missing", systems[ref].Name)
		}
		return cr
	}
	var disagree []string
	for i, o := range outcomes {
		if i == ref || o == nil {
			continue
		}
		ok := true
		if err := c.Agree(outcomes[ref].Answer, o.Answer); err != nil {
			ok = false
			cr.Systems[i].Status = StatusFailed
			cr.Systems[i].Error = "answer disagrees with " + systems[ref].Name + ": " + err.Error()
			disagree = append(disagree, systems[i].Name)
		}
		cr.Systems[i].Agrees = &ok
		// Ratios against the reference system's part of the same name.
		for j, p := range cr.Systems[i].Parts {
			for _, q := range cr.Systems[ref].Parts {
				if q.Name == p.Name && p.Seconds > 0 {
					cr.Systems[i].Parts[j].RatioVsRef = q.Seconds / p.Seconds
				}
			}
		}
	}
	for j := range cr.Systems[ref].Parts {
		cr.Systems[ref].Parts[j].RatioVsRef = 1
	}
	if len(disagree) > 0 {
		cr.Status = StatusFailed
		cr.Error = fmt.Sprintf("answers disagree with %s: %s", systems[ref].Name, strings.Join(disagree, ", "))
	}
	return cr
}

// referenceOf is the index of the system the others are compared with: the first marked
// Reference, else the first peer, else the first floor, else the first system.
func referenceOf(systems []System) int {
	if i := slices.IndexFunc(systems, func(s System) bool { return s.Reference }); i >= 0 {
		return i
	}
	for _, r := range []Role{RolePeer, RoleFloor} {
		if i := slices.IndexFunc(systems, func(s System) bool { return s.Role == r }); i >= 0 {
			return i
		}
	}
	return 0
}

func mbps(p Part) float64 {
	if p.Seconds <= 0 || p.Bytes <= 0 {
		return 0
	}
	return float64(p.Bytes) / 1e6 / p.Seconds
}

// missingError is a Prepare error saying the case cannot run because a peer it needs for its
// data is not installed.
type missingError struct{ reason string }

func (m missingError) Error() string { return m.reason }

// tail returns the last n bytes of b, trimmed: the end of a subprocess's output for an error.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
