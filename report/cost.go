package report

import (
	"fmt"
	"math"
	"time"

	"github.com/hsfan/hsfan/fanout"
)

// AWS prices, first tier, on demand, as listed in field-facts.md
// ("Price (first tier)"; source: the AWS Lambda and Amazon S3 pricing pages).
const (
	PriceX86GBSecond     = 0.0000166667 // USD per GB-s, x86_64
	PriceArm64GBSecond   = 0.0000133334 // USD per GB-s, arm64
	PricePerMillionCalls = 0.20         // USD per million Lambda requests
	PriceS3GetPer1000    = 0.0004       // USD per 1,000 S3 GET requests
	PriceS3PutPer1000    = 0.005        // USD per 1,000 S3 PUT requests
)

// Architectures of a Lambda function.
const (
	ArchArm64 = "arm64"
	ArchX86   = "x86_64"
)

// Lambda memory limits and the default size (one vCPU at 1,769 MB).
const (
	MinMemoryMB     = 128
	MaxMemoryMB     = 10240
	DefaultMemoryMB = 1769
)

// Cost selects the price of a function: its architecture ("" means arm64)
// and memory size (0 means DefaultMemoryMB).
type Cost struct {
	Arch     string
	MemoryMB int
}

// CostEstimate is a priced amount of work.
type CostEstimate struct {
	// Basis is "measured" (from run stats) or "planned" (from a plan).
	Basis    string `json:"basis"`
	Arch     string `json:"arch"`
	MemoryMB int    `json:"memory_mb"`
	// MemorySource says where MemoryMB comes from: "configured" (Cost.MemoryMB,
	// --memory), "reported" (the size every invocation reported: the function's
	// configuration, which is what is billed) or "mixed" (invocations reported
	// different sizes; MemoryMB is 0 and GBSeconds sums each at its own size).
	MemorySource string `json:"memory_source,omitempty"`
	// ConfiguredMemoryMB is Cost.MemoryMB when the invocations reported
	// another size (then unused except for invocations reporting none).
	ConfiguredMemoryMB int     `json:"configured_memory_mb,omitempty"`
	GBSeconds          float64 `json:"gb_seconds"`
	Requests           int64   `json:"requests"`
	S3Gets             int64   `json:"s3_gets"`
	// WallSeconds is the planned wall time (planned estimates only).
	WallSeconds float64 `json:"wall_seconds,omitempty"`
	ComputeUSD  float64 `json:"compute_usd"`
	RequestUSD  float64 `json:"request_usd"`
	S3USD       float64 `json:"s3_usd"`
	TotalUSD    float64 `json:"total_usd"`
}

func (c Cost) normalize() (Cost, error) {
	if c.Arch == "" {
		c.Arch = ArchArm64
	}
	if c.Arch != ArchArm64 && c.Arch != ArchX86 {
		return c, fmt.Errorf("cost: unknown architecture %q (want %s or %s)", c.Arch, ArchArm64, ArchX86)
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = DefaultMemoryMB
	}
	if c.MemoryMB < MinMemoryMB || c.MemoryMB > MaxMemoryMB {
		return c, fmt.Errorf("cost: memory %d MB outside Lambda's %d..%d MB", c.MemoryMB, MinMemoryMB, MaxMemoryMB)
	}
	return c, nil
}

// Price prices gbSeconds of compute, requests invocations and gets S3 GETs.
func (c Cost) Price(gbSeconds float64, requests, gets int64) (CostEstimate, error) {
	c, err := c.normalize()
	if err != nil {
		return CostEstimate{}, err
	}
	if gbSeconds < 0 || math.IsNaN(gbSeconds) || requests < 0 || gets < 0 {
		return CostEstimate{}, fmt.Errorf("cost: negative amount of work")
	}
	rate := PriceArm64GBSecond
	if c.Arch == ArchX86 {
		rate = PriceX86GBSecond
	}
	e := CostEstimate{
		Arch: c.Arch, MemoryMB: c.MemoryMB, GBSeconds: gbSeconds, Requests: requests, S3Gets: gets,
		ComputeUSD: gbSeconds * rate,
		RequestUSD: float64(requests) * PricePerMillionCalls / 1e6,
		S3USD:      float64(gets) * PriceS3GetPer1000 / 1000,
	}
	e.TotalUSD = e.ComputeUSD + e.RequestUSD + e.S3USD
	return e, nil
}

// RunCost prices a finished fan-out from its measured billed durations, each
// at the memory size its invocation reported (lambda-local and AWS report
// the function's configured size, which is what Lambda bills); attempts that
// did not report one are priced at c.MemoryMB. The estimate's MemoryMB is the
// one size the GB-seconds were computed with (see MemorySource), so a report
// states one memory size.
func RunCost(s fanout.Stats, c Cost) (CostEstimate, error) {
	n, err := c.normalize()
	if err != nil {
		return CostEstimate{}, err
	}
	gbs := s.BilledGBSeconds + float64(s.BilledUnknownMemory.Milliseconds())/1000*float64(n.MemoryMB)/1024
	e, err := n.Price(gbs, int64(s.Invocations), s.Gets)
	e.Basis = "measured"
	e.MemorySource = "configured"
	switch {
	case s.MixedMemory || (s.ReportedMemoryMB > 0 && s.BilledUnknownMemory > 0 && s.ReportedMemoryMB != n.MemoryMB):
		e.MemorySource, e.MemoryMB, e.ConfiguredMemoryMB = "mixed", 0, n.MemoryMB
	case s.ReportedMemoryMB > 0:
		e.MemorySource, e.MemoryMB = "reported", s.ReportedMemoryMB
		if s.ReportedMemoryMB != n.MemoryMB {
			e.ConfiguredMemoryMB = n.MemoryMB
		}
	}
	return e, err
}

// EstimateCost prices a plan before running it (--dry-run): every task
// reads its share of the plan's ReadBytes at WorkerBytesPerSecond, billed
// per started millisecond; one request per task and one GET per chunk.
// WallSeconds assumes p.Concurrency tasks at a time.
func EstimateCost(p fanout.Plan, c Cost) (CostEstimate, error) {
	n, err := c.normalize()
	if err != nil {
		return CostEstimate{}, err
	}
	var mbms float64
	var longest float64
	for _, t := range p.Tasks {
		bytes := float64(p.ReadBytes) * float64(t.Count) / float64(p.TotalChunks)
		ms := math.Ceil(bytes / fanout.WorkerBytesPerSecond * 1000)
		mbms += ms * float64(n.MemoryMB)
		longest = max(longest, ms/1000)
	}
	e, err := n.Price(mbms/1024/1000, int64(len(p.Tasks)), p.TotalChunks)
	e.Basis = "planned"
	if conc := max(p.Concurrency, 1); len(p.Tasks) > 0 {
		waves := (len(p.Tasks) + conc - 1) / conc
		e.WallSeconds = float64(waves) * longest
	}
	return e, err
}

// seconds converts a duration to float seconds for reports and manifests.
func seconds(d time.Duration) float64 { return d.Seconds() }
