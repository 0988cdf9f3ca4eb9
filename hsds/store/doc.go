// Package store is hsfan's object store layer: one small [Store] interface with
// memory, POSIX and S3 backends, all of which pass the shared conformance suite
// in package storetest.
//
// # Layout
//
// A store holds objects in buckets. On POSIX ("file://DIR") the object
// bucket/key is the plain file DIR/<bucket>/<key>, byte-compatible with the
// HSDS POSIX layout and with versitygw's POSIX backend, so one directory can be
// served both as file://DIR and, through versitygw, as s3://. On S3 ("s3://")
// the bucket and key are used as they are.
//
// # Keys
//
// Keys are slash-separated UTF-8 paths such as "db/0123-4567/.domain.json".
// [ValidateKey] rejects anything that is not a plain relative path (empty,
// leading or trailing "/", "//", "." or ".." elements, NUL, backslash, more
// than 1024 bytes, an element longer than 255 bytes, a name reserved for this
// package's temporary files). Every backend validates and returns an error
// matching [ErrInvalidKey] (or [ErrInvalidBucket]); servers map it to HTTP 400.
//
// # ETags
//
// An ETag is the lowercase hex MD5 of the object's content, unquoted, on every
// backend, which is what S3 and versitygw return for a single PUT. This package
// never uses multipart uploads for its writes, so the S3 ETag is always the
// content MD5. The POSIX backend caches the MD5 in the extended attribute
// "user.hsfan.etag" together with the file size and modification time (and
// writes versitygw's "user.etag" too, so versitygw serves objects written
// through file:// with the right ETag); when the cache is missing or stale it
// computes the MD5 from the content.
//
// Files written behind the stores' backs (HSDS writes files in place, with no
// attributes) get their MD5 computed by the POSIX store. versitygw v1.8
// reports an empty ETag for such files (it only reads "user.etag"), so the S3
// store's Stat and List show "" for them, while its Get fills in the MD5 of
// the bytes it read; an If-Match put through versitygw cannot match them
// until they have been rewritten through either store.
//
// # Conditional writes
//
// [PutOptions] carries S3's If-Match / If-None-Match: "*" preconditions. A put
// whose precondition does not hold fails with [ErrPreconditionFailed]. The
// POSIX backend serialises every publish of a key with an advisory flock on
// the lock file versitygw itself uses (DIR/.vgwlocks/<sha256(bucket)>/<shard>),
// so conditional writes are atomic across goroutines, processes, and a
// versitygw gateway serving the same directory. flock works across NFSv4
// clients such as EFS; the xattr ETag cache needs user xattrs (without them
// ETags are recomputed from content on every Stat and List). [Update] builds
// a conditional read-modify-write loop on top.
//
// # Buckets
//
// On POSIX a bucket is a directory under DIR; Put creates it when missing (as
// HSDS does), while Get, Stat, Delete and List on a missing bucket fail with
// [ErrBucketNotFound]. A bucket made that way has none of versitygw's
// bucket attributes; create buckets through S3 when versitygw will serve them.
// The memory store treats every bucket as existing.
//
// # Errors
//
// Errors are wrapped with the operation, bucket and key; match them with
// errors.Is against [ErrNotFound], [ErrBucketNotFound], [ErrPreconditionFailed],
// [ErrInvalidKey], [ErrInvalidBucket] and [ErrInvalidRange].
package store
