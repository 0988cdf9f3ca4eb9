package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/hsds/store/earthdata"
)

// storeFlags are the store selection flags every command shares (design.md: --store, --bucket,
// with HSFAN_STORE and HSFAN_BUCKET as fallbacks).
type storeFlags struct {
	url            string
	bucket         string
	followSymlinks bool
	s3Region       string
	requesterPays  bool
	credsURL       string
	netrc          string
	// edUser and edPassword come from EARTHDATA_USERNAME and EARTHDATA_PASSWORD.
	edUser, edPassword string
	// loginHost overrides the Earthdata Login host (tests).
	loginHost string
	// opened are the options the store was opened with (the in-process workers reuse them).
	opened store.Options
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.url, "store", envOr("HSFAN_STORE", "file://data"), "object store: file://DIR or s3:// (env HSFAN_STORE)")
	fs.StringVar(&s.bucket, "bucket", envOr("HSFAN_BUCKET", "hsfan"), "bucket name (env HSFAN_BUCKET)")
	fs.BoolVar(&s.followSymlinks, "store-follow-symlinks", false, "file:// stores: follow symbolic links leading out of the store directory (refused by default)")
	fs.StringVar(&s.s3Region, "s3-region", os.Getenv("HSFAN_S3_REGION"), "s3:// stores: the region (default from the AWS chain, else us-east-1; PO.DAAC's buckets are in us-west-2) (env HSFAN_S3_REGION)")
	fs.BoolVar(&s.requesterPays, "s3-requester-pays", os.Getenv("HSFAN_S3_REQUESTER_PAYS") == "1", "s3:// stores: send x-amz-request-payer: requester on reads (requester-pays buckets) (env HSFAN_S3_REQUESTER_PAYS=1)")
	fs.StringVar(&s.credsURL, "s3-credentials-url", os.Getenv("HSFAN_S3_CREDENTIALS_URL"), "s3:// stores: fetch temporary credentials from this Earthdata endpoint, e.g. https://archive.podaac.earthdata.nasa.gov/s3credentials, renewed before they expire; the login is EARTHDATA_USERNAME/EARTHDATA_PASSWORD or --netrc machine urs.earthdata.nasa.gov (env HSFAN_S3_CREDENTIALS_URL)")
	fs.StringVar(&s.netrc, "netrc", defaultNetrc(), "the netrc file holding the Earthdata login for --s3-credentials-url (env NETRC, default ~/.netrc)")
	s.edUser, s.edPassword = os.Getenv("EARTHDATA_USERNAME"), os.Getenv("EARTHDATA_PASSWORD")
}

// defaultNetrc is $NETRC, else ~/.netrc (curl's and earthaccess's rule), else "".
func defaultNetrc() string {
	if v := os.Getenv("NETRC"); v != "" {
		return v
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".netrc")
	}
	return ""
}

// s3Options are the store options of the S3 flags; with --s3-credentials-url it fetches the
// credentials once, so a wrong URL or login fails here.
func (s *storeFlags) s3Options(ctx context.Context) (store.Options, error) {
	opts := store.Options{FollowSymlinks: s.followSymlinks, Region: s.s3Region, RequesterPays: s.requesterPays}
	if s.credsURL == "" {
		return opts, nil
	}
	if !strings.HasPrefix(s.url, "s3://") {
		return opts, usagef("--s3-credentials-url needs an s3:// store (--store %s)", s.url)
	}
	creds, err := earthdata.Open(ctx, earthdata.Config{URL: s.credsURL, User: s.edUser, Password: s.edPassword,
		UserSource: "EARTHDATA_USERNAME/EARTHDATA_PASSWORD", NetrcPath: s.netrc, LoginHost: s.loginHost})
	if err != nil {
		return opts, err
	}
	opts.Credentials = creds
	return opts, nil
}

func (s *storeFlags) open(ctx context.Context) (store.Store, error) {
	return s.openMode(ctx, false)
}

// openMode opens the store; create makes a missing file:// root directory (for writers).
func (s *storeFlags) openMode(ctx context.Context, create bool) (store.Store, error) {
	if s.bucket == "" {
		return nil, usagef("--bucket is required (or HSFAN_BUCKET)")
	}
	if dir, ok := strings.CutPrefix(s.url, "file://"); ok && create {
		if err := os.MkdirAll(filepath.Join(dir, s.bucket), 0o755); err != nil {
			return nil, fmt.Errorf("create store root: %w", err)
		}
	}
	opts, err := s.s3Options(ctx)
	if err != nil {
		return nil, err
	}
	s.opened = opts
	st, err := store.Open(ctx, s.url, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", s.url, err)
	}
	return st, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
