package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// List implements Store with paginated ListObjectsV2, merging each page's
// objects and common prefixes into one key-ordered stream. Keys that
// ValidateKey rejects (e.g. "dir/" markers) are skipped.
func (s *S3) List(ctx context.Context, bucket, prefix, delimiter string, fn func(Entry) error) error {
	if err := beginList(ctx, bucket, prefix); err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: &bucket}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if delimiter != "" {
		in.Delimiter = &delimiter
	}
	pages := s3.NewListObjectsV2Paginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return s3Error("list", bucket, prefix, err)
		}
		objs, cps := page.Contents, page.CommonPrefixes
		for len(objs) > 0 || len(cps) > 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("list %s/%s: %w", bucket, prefix, err)
			}
			if len(cps) == 0 || len(objs) > 0 && aws.ToString(objs[0].Key) < aws.ToString(cps[0].Prefix) {
				o := objs[0]
				objs = objs[1:]
				key := aws.ToString(o.Key)
				if checkKey(key, false) != nil {
					s.log.Debug("list: skipping invalid key", "bucket", bucket, "key", key)
					continue
				}
				e := Entry{Key: key, Size: aws.ToInt64(o.Size), ETag: NormalizeETag(aws.ToString(o.ETag)),
					LastModified: aws.ToTime(o.LastModified)}
				if err := fn(e); err != nil {
					return err
				}
				continue
			}
			p := aws.ToString(cps[0].Prefix)
			cps = cps[1:]
			if err := fn(Entry{Key: p, IsPrefix: true}); err != nil {
				return err
			}
		}
	}
	return nil
}
