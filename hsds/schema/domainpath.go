package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hsfan/hsfan/hsds/store"
)

// ErrInvalidDomain is matched (errors.Is) by domain path errors; HTTP
// handlers map it to 400.
var ErrInvalidDomain = errors.New("invalid domain")

// MaxDomainPathLen bounds the length of a domain path.
const MaxDomainPathLen = 1024

// ValidateDomainPath checks a domain path such as "/home/u/f.h5": it must
// start with '/', name something, not end with '/', and contain no empty,
// "." or ".." elements, NUL, control characters or backslashes.
func ValidateDomainPath(p string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidDomain, truncate(p, 120), why)
	}
	switch {
	case p == "":
		return bad("empty path")
	case len(p) > MaxDomainPathLen:
		return bad("path too long")
	case p[0] != '/':
		return bad("must start with '/'")
	case p == "/":
		return bad("no domain name")
	case p[len(p)-1] == '/':
		return bad("must not end with '/'")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == 0 || c < 0x20 || c == 0x7f {
			return bad("control character in path")
		}
		if c == '\\' {
			return bad("backslash in path")
		}
	}
	for _, el := range strings.Split(p[1:], "/") {
		switch el {
		case "":
			return bad("empty path element")
		case ".", "..":
			return bad("'.' or '..' path element")
		}
	}
	return nil
}

// ParseDomain interprets a domain request parameter (query "domain" or header
// X-Hdf-domain) as HSDS does: "/home/u/f.h5" uses defaultBucket,
// "hdf5://home/u/f.h5" is the same path, and "bucket/home/u/f.h5" names the
// bucket in front. The returned path is validated.
func ParseDomain(param string, defaultBucket string) (bucket, path string, err error) {
	s := param
	if strings.HasPrefix(s, "hdf5:/") {
		s = strings.TrimPrefix(s, "hdf5:/")
		if !strings.HasPrefix(s, "/") {
			s = "/" + s
		}
		// "hdf5://home/..." leaves "/home/..."
	}
	switch {
	case s == "":
		return "", "", fmt.Errorf("%w: empty domain", ErrInvalidDomain)
	case s[0] == '/':
		bucket, path = defaultBucket, s
	default:
		i := strings.IndexByte(s, '/')
		if i <= 0 {
			return "", "", fmt.Errorf("%w %q: a domain must contain '/'", ErrInvalidDomain, truncate(param, 120))
		}
		bucket, path = s[:i], s[i:]
	}
	if err := ValidateDomainPath(path); err != nil {
		return "", "", err
	}
	if bucket != "" {
		if err := ValidateBucketName(bucket); err != nil {
			return "", "", err
		}
	}
	return bucket, path, nil
}

// bucketRule states store.ValidateBucket's rule for error messages.
const bucketRule = "bucket names are 1 to 255 ASCII letters, digits, '.', '-' or '_', not starting with '.'"

// ValidateBucketName checks a bucket name with the store's rule (store.ValidateBucket), so
// that a name passing here never fails in the store: 1 to 255 bytes of ASCII letters, digits,
// '.', '-' and '_', not starting with '.'. The error matches ErrInvalidDomain (HTTP 400) and
// store.ErrInvalidBucket, and states the rule.
func ValidateBucketName(b string) error {
	if err := store.ValidateBucket(truncate(b, 300)); err != nil {
		return fmt.Errorf("%w: %w (%s)", ErrInvalidDomain, err, bucketRule)
	}
	return nil
}

// ParentDomain returns the parent folder of a domain path ("/home/u/f.h5"
// -> "/home/u"), or "" for a top-level domain such as "/home".
func ParentDomain(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return ""
	}
	return p[:i]
}
