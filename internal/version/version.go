// Package version holds the hsfan version stamped at build time.
package version

// Version is set with -ldflags "-X github.com/hsfan/hsfan/internal/version.Version=...".
var Version = "dev"
