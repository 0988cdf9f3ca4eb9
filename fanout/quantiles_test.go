package fanout

import (
	"testing"
	"time"
)

func TestDurationQuantiles(t *testing.T) {
	if DurationQuantiles(nil) != nil {
		t.Error("quantiles of nothing should be nil")
	}
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Second)
	}
	q := DurationQuantiles(ds)
	want := Quantiles{N: 100, Mean: 50.5, P50: 50, P90: 90, P99: 99, Max: 100}
	if *q != want {
		t.Errorf("quantiles %+v, want %+v", *q, want)
	}
	if ds[0] != 100*time.Second {
		t.Error("input was modified")
	}
}
