package reduce

import (
	"os"
	"testing"

	"github.com/hsfan/hsfan/internal/testutil/hsdspeer"
)

// TestMain stops the HSDS peer the side-by-side tests share (hsdspeer.Shared).
func TestMain(m *testing.M) { os.Exit(hsdspeer.Main(m)) }
