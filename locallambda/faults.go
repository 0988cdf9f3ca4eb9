package locallambda

import (
	"math/rand/v2"
	"sync"
)

// faultDraw is the set of faults chosen for one invocation.
type faultDraw struct {
	throttle, fail, crash bool
}

// faultSource draws faults from a seeded generator; it is safe for
// concurrent use.
type faultSource struct {
	cfg Faults
	mu  sync.Mutex
	rng *rand.Rand
}

func newFaultSource(cfg Faults) *faultSource {
	return &faultSource{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// draw returns the faults of one invocation. Exactly three numbers are
// drawn per call so that the sequence depends only on the call order.
func (f *faultSource) draw() faultDraw {
	if f.cfg.ThrottleRate == 0 && f.cfg.FailRate == 0 && f.cfg.CrashRate == 0 {
		return faultDraw{}
	}
	f.mu.Lock()
	a, b, c := f.rng.Float64(), f.rng.Float64(), f.rng.Float64()
	f.mu.Unlock()
	return faultDraw{
		throttle: a < f.cfg.ThrottleRate,
		fail:     b < f.cfg.FailRate,
		crash:    c < f.cfg.CrashRate,
	}
}
