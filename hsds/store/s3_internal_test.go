package store

import (
	"errors"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func httpErr(status int) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("opaque"),
	}}
}

func TestS3ErrorMapping(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"NoSuchKey", &smithy.GenericAPIError{Code: "NoSuchKey"}, ErrNotFound},
		{"NotFound (HEAD)", &smithy.GenericAPIError{Code: "NotFound"}, ErrNotFound},
		{"NoSuchBucket", &smithy.GenericAPIError{Code: "NoSuchBucket"}, ErrBucketNotFound},
		{"PreconditionFailed", &smithy.GenericAPIError{Code: "PreconditionFailed"}, ErrPreconditionFailed},
		{"ConditionalRequestConflict", &smithy.GenericAPIError{Code: "ConditionalRequestConflict"}, ErrPreconditionFailed},
		{"InvalidRange", &smithy.GenericAPIError{Code: "InvalidRange"}, ErrInvalidRange},
		{"bare 404", httpErr(404), ErrNotFound},
		{"bare 412", httpErr(412), ErrPreconditionFailed},
		{"bare 409", httpErr(409), ErrPreconditionFailed},
		{"bare 416", httpErr(416), ErrInvalidRange},
		{"500", httpErr(500), nil},
		{"AccessDenied", &smithy.GenericAPIError{Code: "AccessDenied"}, nil},
	}
	sentinels := []error{ErrNotFound, ErrBucketNotFound, ErrPreconditionFailed, ErrInvalidRange}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s3Error("get", "b", "k", tc.err)
			if !errors.Is(got, tc.err) {
				t.Errorf("%v does not wrap the SDK error", got)
			}
			for _, s := range sentinels {
				want := s == tc.want //nolint:errorlint // which sentinel this is, not what err matches
				if errors.Is(got, s) != want {
					t.Errorf("errors.Is(%v, %v) = %v", got, s, !want)
				}
			}
		})
	}
}
