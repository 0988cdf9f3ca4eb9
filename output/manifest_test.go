package output

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hsfan/hsfan/fanout"
	"github.com/hsfan/hsfan/report"
)

func TestManifestJSON(t *testing.T) {
	s := fanout.Stats{Counts: fanout.Counts{Tasks: 3, Completed: 3, Attempts: 4, Invocations: 4, Retries: 1, Throttles: 1},
		BytesRead: 1234, Gets: 3, BilledDuration: 1500 * time.Millisecond}
	c, err := report.RunCost(s, report.Cost{MemoryMB: 2048})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := fanout.MakePlan(fanout.PlanInput{GridDims: []int{3, 1}, ChunkBytes: 10})
	m := Manifest{HsfanVersion: "v0.1.0", Op: "mean", Plan: p.Summary([]int{3, 1}),
		Inputs: Inputs{Domain: "/d.h5", Reduce: []string{"lat", "lon"}}}
	m.Record(s, c)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"hsfan_version":"v0.1.0"`, `"op":"mean"`, `"reduce":["lat","lon"]`,
		`"grid_dims":[3,1]`, `"tasks":3`, `"retries":1`, `"throttles":1`, `"bytes_read":1234`,
		`"billed_seconds":1.5`, `"basis":"measured"`, `"memory_mb":2048`,
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("manifest lacks %s:\n%s", want, data)
		}
	}
	var back Manifest
	if err := json.Unmarshal(data, &back); err != nil || back.Counts != m.Counts || back.Plan.TotalChunks != 3 {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}
