package main

import (
	"os"
	"testing"

	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestMain stops the HSDS peer the side-by-side tests share (hsdspeer.Shared). With
// HSFAN_TEST_AS_CLI=1 the test binary is the hsfan command instead (tests that kill a real
// process run it that way, see TestKilledGen).
func TestMain(m *testing.M) {
	if os.Getenv("HSFAN_TEST_AS_CLI") == "1" {
		main()
	}
	os.Exit(hsdspeer.Main(m))
}
