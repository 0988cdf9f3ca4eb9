package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
	"github.com/hsfan/hsfan/locallambda"
)

// TestSeed000Event sends the example event of HSDS's Lambda documentation (a GET of
// [0:100,620,1401] as application/octet-stream) through the aws-sdk-go-v2 Lambda client,
// hsfan lambda-local and the real bootstrap, over the POSIX and the S3 store: 200, and a hex
// body that decodes to exactly the bytes of the selection.
func TestSeed000Event(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	const bucket = "nrel-pds-hsds"
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	posix, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.Start(t)
	srv.CreateBucket(t, bucket)
	for _, tc := range []struct {
		name string
		url  string
		st   store.Store
		env  map[string]string
	}{
		{"posix", "file://" + dir, posix, nil},
		{"s3", "s3://", srv.Store(t), envMap(srv.Env())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A public domain like NREL's, with a (time, y, x) float32 dataset.
			f, err := hdf.Create(ctx, tc.st, bucket, "/nrel/wtk-us.h5", hdf.CreateOptions{Owner: "admin", Parents: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetACL(ctx, "default", schema.ACL{Read: true}); err != nil {
				t.Fatal(err)
			}
			if err := synth.WriteCube(ctx, f, synth.CubeOptions{Name: "windspeed_100m", Shape: []int{120, 640, 1420}, Chunks: []int{40, 80, 355},
				Type: "float32", Compressor: "gzip", Shuffle: true}); err != nil {
				t.Fatal(err)
			}
			ds, err := f.OpenDatasetPath(ctx, "/windspeed_100m")
			if err != nil {
				t.Fatal(err)
			}
			sel, _ := selection.Parse("[0:100,620,1401]", ds.Dims)
			want, _, err := ds.Read(ctx, sel, 0)
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"HSFAN_STORE": tc.url, "HSFAN_BUCKET": bucket}
			for k, v := range tc.env {
				env[k] = v
			}
			endpoint := localLambda(t, bootstrap, 2, 30*time.Second, locallambda.Faults{}, env)
			client := awslambda.New(awslambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
				Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
			event := fmt.Sprintf(`{"method": "GET", "path": "/datasets/%s/value", "headers": {"accept": "application/octet-stream"},
				"params": {"domain": "/nrel/wtk-us.h5", "select": "[0:100,620,1401]", "bucket": %q}}`, ds.ID, bucket)
			out, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("hsfan-worker"), Payload: []byte(event)})
			if err != nil {
				t.Fatal(err)
			}
			if out.FunctionError != nil {
				t.Fatalf("function error %s: %s", *out.FunctionError, out.Payload)
			}
			var resp struct {
				IsBase64Encoded bool   `json:"isBase64Encoded"`
				StatusCode      int    `json:"statusCode"`
				Headers         string `json:"headers"`
				Body            string `json:"body"`
			}
			if err := json.Unmarshal(out.Payload, &resp); err != nil {
				t.Fatalf("response %s: %v", out.Payload, err)
			}
			if resp.StatusCode != 200 || !resp.IsBase64Encoded || len(resp.Body) != 2*len(want) || len(want) != 400 {
				t.Fatalf("status %d, isBase64Encoded %v, body of %d hex chars; want 200, true, %d", resp.StatusCode, resp.IsBase64Encoded, len(resp.Body), 2*len(want))
			}
			got, err := hex.DecodeString(resp.Body)
			if err != nil || string(got) != string(want) {
				t.Errorf("hex body decodes to %x (%v), want %x", got, err, want)
			}
			var hdrs map[string]string
			if err := json.Unmarshal([]byte(resp.Headers), &hdrs); err != nil || hdrs["Content-Type"] != "application/octet-stream" {
				t.Errorf("headers %q: want a JSON string with Content-Type application/octet-stream", resp.Headers)
			}
		})
	}
}
