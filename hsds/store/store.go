package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. Match them with errors.Is; backends wrap them with context.
var (
	// ErrNotFound reports that an object does not exist.
	ErrNotFound = errors.New("object not found")
	// ErrBucketNotFound reports that the bucket itself does not exist. It
	// deliberately does not match ErrNotFound: a misspelt bucket must not read
	// as a dataset full of missing (fill value) chunks.
	ErrBucketNotFound = errors.New("bucket not found")
	// ErrPreconditionFailed reports that a conditional put did not hold
	// (If-Match did not match the current ETag, or If-None-Match found an
	// object, or If-Match found no object).
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrContended reports that Update gave up because other writers kept changing the object
	// (it comes with ErrPreconditionFailed). It is transient: retry later.
	ErrContended = errors.New("object contended by concurrent writers")
	// ErrInvalidKey reports an object key or list prefix that ValidateKey rejects.
	ErrInvalidKey = errors.New("invalid key")
	// ErrInvalidBucket reports a bucket name that ValidateBucket rejects.
	ErrInvalidBucket = errors.New("invalid bucket")
	// ErrInvalidRange reports a negative offset passed to GetRange.
	ErrInvalidRange = errors.New("invalid range")
	// ErrTooLarge is returned by Get for objects over MaxObjectBytes (use GetRange for those).
	ErrTooLarge = errors.New("object too large to read whole")
	// ErrChanged reports that an object changed while it was being read (Posix.GetVersion and
	// Posix.ReadRanges: its file was rewritten in place, as HSDS's hsds/util/fileClient.py
	// put_object does with open "wb" then write), so the bytes read may be part old and part
	// new. It is transient: read again.
	ErrChanged = errors.New("object changed during the read")
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	// Key is the object key inside its bucket.
	Key string
	// Size is the content length in bytes.
	Size int64
	// ETag is the lowercase hex MD5 of the content, without quotes.
	ETag string
	// LastModified is the time the object was last written.
	LastModified time.Time
}

// PutOptions are the preconditions of a Put. The zero value puts unconditionally.
// Setting both fields is an error.
type PutOptions struct {
	// IfMatch, when not empty, makes the put succeed only if the object exists
	// and its current ETag equals IfMatch (quotes and case are ignored).
	IfMatch string
	// IfNoneMatch makes the put succeed only if no object exists at the key
	// (S3's If-None-Match: *).
	IfNoneMatch bool
}

// Entry is one item reported by List: an object, or with a delimiter a common
// prefix (IsPrefix true, Key ending with the delimiter, other fields zero).
type Entry struct {
	// Key is the object key, or the common prefix when IsPrefix is set.
	Key string
	// IsPrefix marks a common prefix rolled up by the delimiter.
	IsPrefix bool
	// Size is the object's length in bytes.
	Size int64
	// ETag is the lowercase hex MD5 of the content, without quotes.
	ETag string
	// LastModified is the time the object was last written.
	LastModified time.Time
}

// Store is an object store. Implementations are safe for concurrent use by
// multiple goroutines. Byte slices passed in are not retained and slices
// returned belong to the caller.
type Store interface {
	// Get returns the whole content of an object and its info.
	Get(ctx context.Context, bucket, key string) ([]byte, ObjectInfo, error)
	// GetRange returns up to length bytes starting at offset. The result is
	// short when the object ends first and empty when offset is at or past
	// the end. A negative length reads to the end; a negative offset is
	// ErrInvalidRange. A missing object is ErrNotFound.
	GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error)
	// Put stores data at key, replacing any existing object atomically
	// (readers see the old or the new content, never a mix), subject to opts.
	Put(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error)
	// Delete removes an object. Deleting a missing object is not an error.
	Delete(ctx context.Context, bucket, key string) error
	// Stat returns an object's info without its content.
	Stat(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// List calls fn for each object whose key starts with prefix, in
	// lexicographic (byte) order of key. With a non-empty delimiter, keys
	// that contain the delimiter after the prefix are rolled up into one
	// Entry{IsPrefix: true} per distinct prefix (up to and including the
	// first delimiter), reported in order among the objects. An error from
	// fn stops the listing and is returned unchanged.
	List(ctx context.Context, bucket, prefix, delimiter string, fn func(Entry) error) error
}

// MaxObjectBytes bounds what Get reads into memory: chunks and JSON objects are megabytes, so a
// larger object is a mistake (or an attack), not something to buffer.
const MaxObjectBytes = 1 << 30
