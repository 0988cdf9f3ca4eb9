package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestS3OptionsFromEnv(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".netrc"), []byte("machine urs.earthdata.nasa.gov login a password b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		payer bool
		creds bool
		err   string
	}{
		{"none", map[string]string{}, false, false, ""},
		{"region and payer", map[string]string{"HSFAN_S3_REGION": "us-west-2", "HSFAN_S3_REQUESTER_PAYS": "1"}, true, false, ""},
		{"bad payer", map[string]string{"HSFAN_S3_REQUESTER_PAYS": "yes"}, false, false, "want 1, true, 0 or false"},
		{"creds from home netrc", map[string]string{"HSFAN_S3_CREDENTIALS_URL": "https://x.example/s3credentials", "HOME": home}, false, true, ""},
		{"creds from env login", map[string]string{"HSFAN_S3_CREDENTIALS_URL": "https://x.example/s3credentials", "EARTHDATA_USERNAME": "u", "EARTHDATA_PASSWORD": "p"}, false, true, ""},
		{"no login", map[string]string{"HSFAN_S3_CREDENTIALS_URL": "https://x.example/s3credentials", "NETRC": filepath.Join(home, "none")}, false, false, "read netrc"},
		{"bad url", map[string]string{"HSFAN_S3_CREDENTIALS_URL": "x.example", "HOME": home}, false, false, "want https://HOST/s3credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := s3OptionsFromEnv(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.Region != tc.env["HSFAN_S3_REGION"] || opts.RequesterPays != tc.payer || (opts.Credentials != nil) != tc.creds {
				t.Fatalf("opts %+v", opts)
			}
		})
	}
}
