package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestS3CredentialsFlags: --s3-credentials-url needs an s3:// store, and a login that cannot be
// found fails before anything runs, naming the netrc file and machine.
func TestS3CredentialsFlags(t *testing.T) {
	dir := t.TempDir()
	netrc := filepath.Join(dir, "netrc")
	if err := os.WriteFile(netrc, []byte("machine example.com login a password b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"ls", "--store", "file://" + dir, "--bucket", "b", "--s3-credentials-url", "https://x.example/s3credentials"}, 2, "--s3-credentials-url needs an s3:// store"},
		{[]string{"ls", "--store", "s3://", "--bucket", "b", "--s3-credentials-url", "http://127.0.0.1:1/s3credentials", "--netrc", netrc}, 1, "has no machine urs.earthdata.nasa.gov"},
		{[]string{"ls", "--store", "s3://", "--bucket", "b", "--s3-credentials-url", "http://127.0.0.1:1/s3credentials", "--netrc", filepath.Join(dir, "none")}, 1, "read netrc"},
		{[]string{"ls", "--store", "s3://", "--bucket", "b", "--s3-credentials-url", "ftp://x/y", "--netrc", netrc}, 1, "want https://HOST/s3credentials"},
	} {
		code, _, errs := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %q, want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
