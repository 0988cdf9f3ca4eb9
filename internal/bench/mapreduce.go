package bench

import (
	"context"
	"fmt"
)

// mapreduceCase is issue 14's map-reduce benchmark (BDB Q2 on 8 x 1M uservisits rows against a
// plain 2-goroutine scan-and-hash floor). Its code (jobs/mapreduce, `hsfan gen uservisits`) is
// built on another branch: until it is merged, the case is registered so that `hsfan bench
// mapreduce` and `all` say it is not built, instead of leaving it out silently. After the merge
// it is a Case like fanoutCase: Prepare runs `hsfan gen uservisits`, Systems runs `hsfan
// mapreduce bdb-q2` and the floor, Agree compares the grouped sums.
type mapreduceCase struct{}

func (mapreduceCase) Name() string { return "mapreduce" }

func (mapreduceCase) About(*Env) string {
	return "BDB Q2 (SUM(adRevenue) GROUP BY SUBSTR(sourceIP, 1, 8)) on 8 x 1M uservisits rows vs a plain 2-goroutine scan"
}

func (mapreduceCase) Prepare(context.Context, *Env) error {
	return fmt.Errorf("mapreduce: %w (jobs/mapreduce and 'hsfan mapreduce' are not merged yet)", ErrNotBuilt)
}

func (mapreduceCase) Systems(*Env) []System { return nil }

func (mapreduceCase) Agree(any, any) error { return ErrNotBuilt }
