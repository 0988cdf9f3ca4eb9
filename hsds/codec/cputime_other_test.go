//go:build !unix

package codec

import "time"

// cpuTime is unavailable here; benchmarks then skip cpu-ns/elem.
func cpuTime() time.Duration { return 0 }
