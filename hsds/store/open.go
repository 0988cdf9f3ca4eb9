package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options configure Open and the backend constructors. The zero value is
// usable: defaults are noted per field.
type Options struct {
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger

	// FollowSymlinks (POSIX) lets the store follow symbolic links that lead out of its root
	// directory. Off by default: every operation is confined to the root (os.Root), so a link
	// planted in the store cannot make it read, write or delete files elsewhere.
	FollowSymlinks bool

	// Fsync (POSIX) fsyncs each written file and its directory before and
	// after the rename. Off by default.
	Fsync bool

	// Region (S3) overrides the region from the AWS configuration chain,
	// which defaults to "us-east-1" when it has none.
	Region string
	// Endpoint (S3) overrides the endpoint from the AWS configuration chain
	// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, profiles), e.g.
	// "http://127.0.0.1:7070".
	Endpoint string
	// PathStyle (S3) forces path-style addressing. It is implied whenever an
	// endpoint override is in effect.
	PathStyle bool
	// Credentials (S3) overrides the credentials from the configuration chain.
	Credentials aws.CredentialsProvider
	// RequesterPays (S3) sends x-amz-request-payer: requester on GetObject and HeadObject, which
	// reads of a requester-pays bucket need (the reader's account is billed).
	RequesterPays bool
	// MaxConns (S3) bounds the HTTP connections per host and sizes the idle
	// pool. Default 512.
	MaxConns int
	// MaxAttempts (S3) is the standard retryer's attempt limit. Default 5.
	MaxAttempts int
}

const (
	defaultMaxConns    = 512
	defaultMaxAttempts = 5
	defaultRegion      = "us-east-1"
)

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Open returns the store a URL names:
//
//   - "file://DIR": a Posix store rooted at DIR ("file:///data", "file://./data").
//   - "s3://" or "s3://HOST": an S3 store configured from the standard AWS
//     chain (environment, profiles, AWS_ENDPOINT_URL_S3, AWS_REGION). A host
//     after s3:// is ignored; set the endpoint through the chain or
//     Options.Endpoint.
//   - "mem://": a new, empty Memory store.
//
// The ctx is used only while loading configuration.
func Open(ctx context.Context, url string, opts Options) (Store, error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return nil, fmt.Errorf("open store %q: want file://DIR, s3:// or mem://", url)
	}
	switch strings.ToLower(scheme) {
	case "file":
		if rest == "" {
			return nil, fmt.Errorf("open store %q: no directory after file://", url)
		}
		return NewPosix(rest, opts)
	case "s3":
		if rest != "" {
			opts.logger().Debug("s3 store: host in URL ignored, endpoint comes from the AWS config chain", "url", url)
		}
		return NewS3(ctx, opts)
	case "mem":
		if rest != "" {
			return nil, fmt.Errorf("open store %q: mem:// takes nothing after it", url)
		}
		return NewMemory(), nil
	default:
		return nil, fmt.Errorf("open store %q: unknown scheme %q (want file, s3 or mem)", url, scheme)
	}
}
