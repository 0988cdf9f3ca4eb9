package worker

import (
	"context"
	"fmt"

	"github.com/hsfan/hsfan/hsds/store"
)

// bucketStore confines a store to the worker's buckets: an operation on any other bucket fails
// with an error wrapping store.ErrBucketNotFound (404 through the REST API), whatever bucket the
// event named (query "bucket", X-Hdf-bucket, a bucket in the domain). It serves HDF REST events,
// whose requests may name buckets like HSDS's.
type bucketStore struct {
	inner   store.Store
	allowed map[string]bool
	list    string
}

func newBucketStore(inner store.Store, buckets []string) *bucketStore {
	b := &bucketStore{inner: inner, allowed: map[string]bool{}, list: describeList(buckets)}
	for _, n := range buckets {
		b.allowed[n] = true
	}
	return b
}

var _ store.Store = (*bucketStore)(nil)

func (b *bucketStore) check(bucket string) error {
	if b.allowed[bucket] {
		return nil
	}
	return fmt.Errorf("bucket %q is not one of this worker's (%s; HSFAN_BUCKET, HSFAN_ALLOWED_BUCKETS): %w", bucket, b.list, store.ErrBucketNotFound)
}

// Root is the POSIX root of the inner store ("" for others), so that reference layouts keep
// their symbolic-link check (hsds/hdf RefPolicy).
func (b *bucketStore) Root() string {
	if r, ok := b.inner.(interface{ Root() string }); ok {
		return r.Root()
	}
	return ""
}

func (b *bucketStore) Get(ctx context.Context, bucket, key string) ([]byte, store.ObjectInfo, error) {
	if err := b.check(bucket); err != nil {
		return nil, store.ObjectInfo{}, err
	}
	return b.inner.Get(ctx, bucket, key)
}

func (b *bucketStore) GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error) {
	if err := b.check(bucket); err != nil {
		return nil, err
	}
	return b.inner.GetRange(ctx, bucket, key, offset, length)
}

func (b *bucketStore) Put(ctx context.Context, bucket, key string, data []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	if err := b.check(bucket); err != nil {
		return store.ObjectInfo{}, err
	}
	return b.inner.Put(ctx, bucket, key, data, opts)
}

func (b *bucketStore) Delete(ctx context.Context, bucket, key string) error {
	if err := b.check(bucket); err != nil {
		return err
	}
	return b.inner.Delete(ctx, bucket, key)
}

func (b *bucketStore) Stat(ctx context.Context, bucket, key string) (store.ObjectInfo, error) {
	if err := b.check(bucket); err != nil {
		return store.ObjectInfo{}, err
	}
	return b.inner.Stat(ctx, bucket, key)
}

func (b *bucketStore) List(ctx context.Context, bucket, prefix, delimiter string, fn func(store.Entry) error) error {
	if err := b.check(bucket); err != nil {
		return err
	}
	return b.inner.List(ctx, bucket, prefix, delimiter, fn)
}
