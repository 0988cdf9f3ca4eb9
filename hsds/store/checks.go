package store

import (
	"context"
	"fmt"
)

// The portable argument checks, written once above the drivers (as gocloud.dev/blob checks
// arguments in its Bucket before calling a driver): every Store method of Memory, Posix and S3
// starts with one of these, so all backends refuse the same input with the same error before
// touching storage.

// begin checks ctx and the names for an operation op ("get", "stat", ...) on one key. The error
// wraps ctx's error, ErrInvalidBucket or ErrInvalidKey.
func begin(ctx context.Context, op, bucket, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
	}
	if err := validate(bucket, key); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// beginPut is begin for a Put, plus the options: IfMatch and IfNoneMatch are exclusive.
func beginPut(ctx context.Context, bucket, key string, opts PutOptions) error {
	if err := begin(ctx, "put", bucket, key); err != nil {
		return err
	}
	if err := checkPutOptions(opts); err != nil {
		return fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	return nil
}

// checkPutOptions refuses options no backend can honour together.
func checkPutOptions(opts PutOptions) error {
	if opts.IfMatch != "" && opts.IfNoneMatch {
		return fmt.Errorf("put options: IfMatch and IfNoneMatch are exclusive")
	}
	return nil
}

// beginList checks ctx, the bucket name and the prefix for a List. The error wraps ctx's error,
// ErrInvalidBucket or ErrInvalidKey.
func beginList(ctx context.Context, bucket, prefix string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("list %s/%s: %w", bucket, prefix, err)
	}
	if err := ValidateBucket(bucket); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	if err := validatePrefix(prefix); err != nil {
		return fmt.Errorf("list %s: %w", bucket, err)
	}
	return nil
}
