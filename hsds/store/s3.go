package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/hsfan/hsfan/internal/awsconf"
)

// S3 is a Store over Amazon S3 or an S3-compatible server. Every write is a
// single PutObject (never multipart), so ETags are content MD5s.
type S3 struct {
	client *s3.Client
	log    *slog.Logger
	// payer is the RequestPayer of reads: "requester" with Options.RequesterPays, else empty.
	payer s3types.RequestPayer
}

var _ Store = (*S3)(nil)

// NewS3 builds an S3 store from the standard AWS configuration chain plus
// opts: region default "us-east-1", path-style addressing when an endpoint
// override is set, the standard retryer with opts.MaxAttempts and no retry
// token bucket, an HTTP transport pooling opts.MaxConns connections per host,
// and request checksums and response checksum validation only where required
// (some S3-compatible servers reject the newer defaults).
func NewS3(ctx context.Context, opts Options) (*S3, error) {
	maxConns := opts.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns
	}
	attempts := opts.MaxAttempts
	if attempts <= 0 {
		attempts = defaultMaxAttempts
	}
	cfg, err := awsconf.Load(ctx, awsconf.Options{IdleConns: maxConns, MaxConnsPerHost: maxConns, MaxAttempts: attempts,
		Region: opts.Region, Credentials: opts.Credentials, More: []func(*config.LoadOptions) error{
			config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
		}})
	if err != nil {
		return nil, fmt.Errorf("s3 store: load aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = defaultRegion
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		// BaseEndpoint is already resolved from the config chain here.
		if o.BaseEndpoint != nil || opts.PathStyle {
			o.UsePathStyle = true
		}
	})
	st := &S3{client: client, log: opts.logger()}
	if opts.RequesterPays {
		st.payer = s3types.RequestPayerRequester
	}
	return st, nil
}

// NewS3FromClient wraps an existing client.
func NewS3FromClient(client *s3.Client, logger *slog.Logger) *S3 {
	return &S3{client: client, log: Options{Logger: logger}.logger()}
}

// Client returns the underlying S3 client.
func (s *S3) Client() *s3.Client { return s.client }

// s3Error maps an SDK error to the package's sentinels, wrapped with context.
func s3Error(op, bucket, key string, err error) error {
	var sentinel error
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			sentinel = ErrNotFound
		case "NoSuchBucket":
			sentinel = ErrBucketNotFound
		case "PreconditionFailed", "ConditionalRequestConflict":
			sentinel = ErrPreconditionFailed
		case "InvalidRange":
			sentinel = ErrInvalidRange
		}
	}
	if sentinel == nil {
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			switch re.HTTPStatusCode() {
			case http.StatusNotFound:
				sentinel = ErrNotFound
			case http.StatusPreconditionFailed, http.StatusConflict:
				sentinel = ErrPreconditionFailed
			case http.StatusRequestedRangeNotSatisfiable:
				sentinel = ErrInvalidRange
			}
		}
	}
	if sentinel != nil {
		return fmt.Errorf("%s %s/%s: %w (%w)", op, bucket, key, sentinel, err)
	}
	return fmt.Errorf("%s %s/%s: %w", op, bucket, key, err)
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, bucket, key string) ([]byte, ObjectInfo, error) {
	if err := begin(ctx, "get", bucket, key); err != nil {
		return nil, ObjectInfo{}, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, RequestPayer: s.payer})
	if err != nil {
		return nil, ObjectInfo{}, s3Error("get", bucket, key, err)
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > MaxObjectBytes {
		return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %d bytes: %w", bucket, key, n, ErrTooLarge)
	}
	data, err := readBody(io.LimitReader(out.Body, MaxObjectBytes+1), aws.ToInt64(out.ContentLength))
	if err == nil && int64(len(data)) > MaxObjectBytes {
		err = ErrTooLarge
	}
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("get %s/%s: %w", bucket, key, err)
	}
	etag := NormalizeETag(aws.ToString(out.ETag))
	if etag == "" {
		etag = ETagOf(data)
	}
	return data, ObjectInfo{Key: key, Size: int64(len(data)), ETag: etag, LastModified: aws.ToTime(out.LastModified)}, nil
}

// maxPrealloc bounds the buffer preallocated from a Content-Length header.
const maxPrealloc = 256 << 20

// readBody reads a response body, preallocating from its announced length.
func readBody(r io.Reader, n int64) ([]byte, error) {
	var buf bytes.Buffer
	if n > 0 {
		buf.Grow(int(min(n, maxPrealloc)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return buf.Bytes(), nil
}

// GetRange implements Store with a ranged GetObject; an offset at or past
// the end (416 from the server) yields an empty result.
func (s *S3) GetRange(ctx context.Context, bucket, key string, offset, length int64) ([]byte, error) {
	if err := begin(ctx, "get range", bucket, key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("get range %s/%s: offset %d: %w", bucket, key, offset, ErrInvalidRange)
	}
	if length == 0 {
		// No byte range can express zero bytes: only check existence.
		if _, err := s.Stat(ctx, bucket, key); err != nil {
			return nil, err
		}
		return []byte{}, nil
	}
	rng := fmt.Sprintf("bytes=%d-", offset)
	if length > 0 {
		rng = fmt.Sprintf("bytes=%d-%d", offset, offset+length-1)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: &rng, RequestPayer: s.payer})
	if err != nil {
		err = s3Error("get range", bucket, key, err)
		if errors.Is(err, ErrInvalidRange) {
			return []byte{}, nil
		}
		return nil, err
	}
	defer out.Body.Close()
	data, err := readBody(out.Body, aws.ToInt64(out.ContentLength))
	if err != nil {
		return nil, fmt.Errorf("get range %s/%s: %w", bucket, key, err)
	}
	if length > 0 && int64(len(data)) > length {
		// A server that ignores Range sends the whole object.
		if out.ContentRange == nil {
			start, end, _ := rangeOf(offset, length, int64(len(data)))
			return data[start:end], nil
		}
		return nil, fmt.Errorf("get range %s/%s: server sent %d bytes for %s", bucket, key, len(data), rng)
	}
	return data, nil
}

// Stat implements Store with HeadObject.
func (s *S3) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := begin(ctx, "stat", bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key, RequestPayer: s.payer})
	if err != nil {
		return ObjectInfo{}, s3Error("stat", bucket, key, err)
	}
	return ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: NormalizeETag(aws.ToString(out.ETag)),
		LastModified: aws.ToTime(out.LastModified)}, nil
}

// Put implements Store with a single PutObject carrying If-Match or
// If-None-Match: *. A 412 or 409 answer, or 404 to an If-Match put, is
// ErrPreconditionFailed.
//
// A conditional put retried by the SDK after a transport error may find its
// own first attempt applied and fail with ErrPreconditionFailed.
func (s *S3) Put(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	if err := beginPut(ctx, bucket, key, opts); err != nil {
		return ObjectInfo{}, err
	}
	in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data)))}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(`"` + NormalizeETag(opts.IfMatch) + `"`)
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		var apiErr smithy.APIError
		if (opts.IfMatch != "" || opts.IfNoneMatch) && !errors.As(err, &apiErr) && ctx.Err() == nil {
			// No answer came back (e.g. "connection reset by peer": versitygw answers a failed
			// condition with 412 and closes the connection while the body is still being sent).
			// The object itself says what happened.
			if info, ok, cerr := s.settleConditionalPut(ctx, bucket, key, data, opts); cerr == nil && ok {
				return info, nil
			} else if cerr != nil {
				return ObjectInfo{}, fmt.Errorf("put %s/%s: %w (after %v)", bucket, key, cerr, err)
			}
		}
		err = s3Error("put", bucket, key, err)
		if opts.IfMatch != "" && errors.Is(err, ErrNotFound) {
			return ObjectInfo{}, fmt.Errorf("%w: %w", ErrPreconditionFailed, err)
		}
		return ObjectInfo{}, err
	}
	etag := NormalizeETag(aws.ToString(out.ETag))
	if etag == "" {
		etag = ETagOf(data)
	}
	return ObjectInfo{Key: key, Size: int64(len(data)), ETag: etag, LastModified: time.Now()}, nil
}

// settleConditionalPut finds out what became of a conditional put that got no answer: when the
// object now holds data (its ETag is data's MD5, as S3 gives single-part uploads), the put
// landed (ok); when the object contradicts the condition (another ETag than IfMatch, or any
// object under IfNoneMatch), it returns ErrPreconditionFailed, so a read-modify-write loop
// (Update) reads again; otherwise neither (the caller reports the transport error).
func (s *S3) settleConditionalPut(ctx context.Context, bucket, key string, data []byte, opts PutOptions) (ObjectInfo, bool, error) {
	info, err := s.Stat(ctx, bucket, key)
	switch {
	case err == nil && NormalizeETag(info.ETag) == ETagOf(data):
		return info, true, nil
	case errors.Is(err, ErrNotFound) && opts.IfMatch != "":
		return ObjectInfo{}, false, ErrPreconditionFailed
	case err == nil && (opts.IfNoneMatch || NormalizeETag(info.ETag) != NormalizeETag(opts.IfMatch)):
		return ObjectInfo{}, false, ErrPreconditionFailed
	}
	return ObjectInfo{}, false, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, bucket, key string) error {
	if err := begin(ctx, "delete", bucket, key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		err = s3Error("delete", bucket, key, err)
		if errors.Is(err, ErrNotFound) && !errors.Is(err, ErrBucketNotFound) {
			return nil
		}
		return err
	}
	return nil
}
