package store

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
)

// ETagOf returns the ETag of content: its lowercase hex MD5.
func ETagOf(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// NormalizeETag strips surrounding quotes and a weak "W/" marker and lowercases
// the result, so ETags from any source compare equal.
func NormalizeETag(etag string) string {
	etag = strings.TrimSpace(etag)
	etag = strings.TrimPrefix(etag, "W/")
	etag = strings.Trim(etag, `"`)
	return strings.ToLower(etag)
}

// checkPrecondition evaluates opts against the current state of an object.
func checkPrecondition(opts PutOptions, exists bool, currentETag string) error {
	if opts.IfNoneMatch && exists {
		return fmt.Errorf("if-none-match: object exists: %w", ErrPreconditionFailed)
	}
	if opts.IfMatch != "" {
		if !exists {
			return fmt.Errorf("if-match %s: object does not exist: %w", opts.IfMatch, ErrPreconditionFailed)
		}
		if NormalizeETag(opts.IfMatch) != NormalizeETag(currentETag) {
			return fmt.Errorf("if-match %s: current etag is %s: %w", opts.IfMatch, currentETag, ErrPreconditionFailed)
		}
	}
	return nil
}

// rangeOf clips [offset, offset+length) to an object of size n; length < 0
// means to the end.
func rangeOf(offset, length, n int64) (start, end int64, err error) {
	if offset < 0 {
		return 0, 0, fmt.Errorf("offset %d: %w", offset, ErrInvalidRange)
	}
	if offset >= n {
		return n, n, nil
	}
	end = n
	if length >= 0 && length < n-offset {
		end = offset + length
	}
	return offset, end, nil
}
