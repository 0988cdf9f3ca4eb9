package h5file

import (
	"os"
	"testing"
)

// TestMain removes the files testdata/gen.py wrote for the package's tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		_ = os.RemoveAll(genDir)
	}
	os.Exit(code)
}
