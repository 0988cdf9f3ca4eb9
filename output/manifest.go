package output

import (
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/report"
)

// ManifestVersion is the version of the manifest.json layout.
const ManifestVersion = 1

// ManifestName is the file name of the manifest; it is written last, so its
// presence marks a complete output.
const ManifestName = "manifest.json"

// Manifest records what a run computed and how: written as manifest.json
// after every other output file.
type Manifest struct {
	// RunID names the run (also in every output's meta as "run_id").
	RunID           string              `json:"run_id,omitempty"`
	ManifestVersion int                 `json:"manifest_version"`
	HsfanVersion    string              `json:"hsfan_version"`
	Op              string              `json:"op,omitempty"`
	Inputs          Inputs              `json:"inputs"`
	Dataset         DatasetInfo         `json:"dataset"`
	Plan            fanout.PlanSummary  `json:"plan"`
	Timings         Timings             `json:"timings"`
	Counts          TaskCounts          `json:"counts"`
	BytesRead       int64               `json:"bytes_read"`
	Cost            report.CostEstimate `json:"cost"`
	// Outputs is filled in by WriteOutputs.
	Outputs []OutputFile `json:"outputs"`
}

// Inputs are the run's parameters as given by the user.
type Inputs struct {
	Store       string         `json:"store,omitempty"`
	Bucket      string         `json:"bucket,omitempty"`
	Domain      string         `json:"domain,omitempty"`
	Dataset     string         `json:"dataset,omitempty"`
	Select      string         `json:"select,omitempty"`
	Reduce      []string       `json:"reduce,omitempty"`
	Weights     string         `json:"weights,omitempty"`
	Invoker     string         `json:"invoker,omitempty"`
	Concurrency int            `json:"concurrency,omitempty"`
	Params      map[string]any `json:"params,omitempty"`
}

// DatasetInfo identifies the version of the input dataset.
type DatasetInfo struct {
	ID           string     `json:"id,omitempty"`
	ETag         string     `json:"etag,omitempty"`
	LastModified *time.Time `json:"last_modified,omitempty"`
	Shape        []int      `json:"shape,omitempty"`
	Chunks       []int      `json:"chunks,omitempty"`
	Type         string     `json:"type,omitempty"`
}

// Timings are the run's phases in seconds.
type Timings struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// RangeSeconds is the histogram range passes' time (histogram without a range).
	RangeSeconds  float64 `json:"range_seconds,omitempty"`
	PlanSeconds   float64 `json:"plan_seconds"`
	FanoutSeconds float64 `json:"fanout_seconds"`
	// WriteSeconds is the time WriteOutputs spent rendering and writing the
	// output files before the manifest; End and WallSeconds then include it.
	WriteSeconds float64 `json:"write_seconds"`
	WallSeconds  float64 `json:"wall_seconds"`
	// TaskSeconds is the distribution of successful attempts' run times.
	TaskSeconds *fanout.Quantiles `json:"task_seconds,omitempty"`
}

// TaskCounts are the fan-out counters recorded in the manifest: fanout.Counts and the billed
// time, GB-seconds and GETs.
type TaskCounts struct {
	fanout.Counts
	BilledSeconds   float64 `json:"billed_seconds"`
	BilledGBSeconds float64 `json:"billed_gb_seconds"`
	Gets            int64   `json:"gets"`
}

// CountsFromStats converts fan-out stats to manifest counters.
func CountsFromStats(s fanout.Stats) TaskCounts {
	return TaskCounts{Counts: s.Counts, BilledSeconds: s.BilledDuration.Seconds(), BilledGBSeconds: s.BilledGBSeconds, Gets: s.Gets}
}

// OutputFile describes one written output file.
type OutputFile struct {
	Name   string `json:"name"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Record fills the manifest's counters, bytes read and cost from a run.
func (m *Manifest) Record(s fanout.Stats, c report.CostEstimate) {
	m.Counts = CountsFromStats(s)
	m.BytesRead = s.BytesRead
	m.Cost = c
}
