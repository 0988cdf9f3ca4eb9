package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

const (
	// MaxKeyLen is the longest key accepted, in bytes (S3's limit).
	MaxKeyLen = 1024
	// maxElemLen is the longest path element accepted (NAME_MAX on POSIX).
	maxElemLen = 255
	// maxBucketLen is the longest bucket name accepted.
	maxBucketLen = 255

	// tmpPrefix starts the names of the POSIX backend's temporary files.
	// List never reports them and keys may not use such names.
	tmpPrefix = ".hsfan-tmp-"
	// sgwTmpDir is versitygw's per-bucket working directory.
	sgwTmpDir = ".sgwtmp"
)

// ValidateKey reports whether key is a usable object key: a non-empty relative
// slash-separated path of valid UTF-8 with no empty, "." or ".." elements, no
// leading or trailing "/", no NUL or backslash, at most MaxKeyLen bytes and
// 255 bytes per element, whose first element is not versitygw's ".sgwtmp"
// directory and whose elements do not start with ".hsfan-tmp-". Such a key can
// never name a path outside DIR/<bucket> on POSIX. The error wraps ErrInvalidKey.
func ValidateKey(key string) error {
	if err := checkKey(key, false); err != nil {
		return fmt.Errorf("key %q: %s: %w", key, err, ErrInvalidKey)
	}
	return nil
}

// validatePrefix checks a List prefix: empty, or a key with a possibly
// partial last element (so "a/" and "a/.dom" are fine).
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := checkKey(prefix, true); err != nil {
		return fmt.Errorf("prefix %q: %s: %w", prefix, err, ErrInvalidKey)
	}
	return nil
}

// checkKey returns a short reason why s is not a valid key, or nil. With
// partial set, the last element may be empty or a prefix of "." or "..".
func checkKey(s string, partial bool) error {
	switch {
	case s == "":
		return errReason("empty")
	case len(s) > MaxKeyLen:
		return errReason(fmt.Sprintf("longer than %d bytes", MaxKeyLen))
	case !utf8.ValidString(s):
		return errReason("not valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return errReason("contains NUL")
	case strings.IndexByte(s, '\\') >= 0:
		return errReason("contains a backslash")
	case s[0] == '/':
		return errReason("starts with /")
	}
	elems := strings.Split(s, "/")
	for i, e := range elems {
		last := i == len(elems)-1
		switch {
		case e == "" && last && partial:
		case e == "" && last:
			return errReason("ends with /")
		case e == "":
			return errReason("contains //")
		case (e == "." || e == "..") && !(last && partial):
			return errReason(fmt.Sprintf("contains a %q element", e))
		case len(e) > maxElemLen:
			return errReason(fmt.Sprintf("element longer than %d bytes", maxElemLen))
		case strings.HasPrefix(e, tmpPrefix):
			return errReason("uses the reserved name prefix " + tmpPrefix)
		case i == 0 && e == sgwTmpDir && !(last && partial):
			return errReason("uses the reserved directory " + sgwTmpDir)
		}
	}
	return nil
}

type errReason string

func (e errReason) Error() string { return string(e) }

// ValidateBucket reports whether bucket is a usable bucket name: 1 to 255
// bytes of ASCII letters, digits, '.', '-' and '_', not starting with '.'
// (which also keeps versitygw's ".vgwlocks" and similar out). The error wraps
// ErrInvalidBucket.
func ValidateBucket(bucket string) error {
	reason := ""
	switch {
	case bucket == "":
		reason = "empty"
	case len(bucket) > maxBucketLen:
		reason = fmt.Sprintf("longer than %d bytes", maxBucketLen)
	case bucket[0] == '.':
		reason = "starts with ."
	default:
		for i := 0; i < len(bucket); i++ {
			c := bucket[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
				reason = fmt.Sprintf("contains %q", c)
				break
			}
		}
	}
	if reason != "" {
		return fmt.Errorf("bucket %q: %s: %w", bucket, reason, ErrInvalidBucket)
	}
	return nil
}

// validate checks a bucket and key together.
func validate(bucket, key string) error {
	if err := ValidateBucket(bucket); err != nil {
		return err
	}
	return ValidateKey(key)
}
