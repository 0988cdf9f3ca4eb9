package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/locallambda"
)

// TestSharedDirectoryConcurrentChunkWriters is the EFS case (hsfan deploy function
// --efs-access-point, HSFAN_STORE=file:///mnt/data) on one machine: several worker processes
// (sandboxes of hsfan lambda-local, the real bootstrap) serve HSDS Lambda PUT value events that
// all write elements of one chunk of a dataset on one shared directory. Each write is a
// read-modify-write of the chunk guarded by a conditional put (store.Update: If-Match on the ETag
// read) under the POSIX store's publish flock (hsds/store/posix_lock.go), so concurrent writers
// in different processes retry instead of overwriting each other: every element written must be
// there at the end (a lost update would leave an element at the fill value). EFS provides the
// flock semantics across clients (NFSv4.1 advisory locks); here the processes share a local
// directory.
func TestSharedDirectoryConcurrentChunkWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	const (
		bucket    = "hsfan"
		n         = 48 // elements, all in one chunk
		rounds    = 3
		sandboxes = 4
		clients   = 8
	)
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, bucket, "/efs/cells.h5", hdf.CreateOptions{Owner: "writer", Parents: true})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.CreateDataset(ctx, f.RootID(), "cells", hdf.DatasetSpec{Type: json.RawMessage(`"H5T_STD_I32LE"`),
		Dims: []int{n}, ChunkDims: []int{n}, ExactChunks: true, FillValue: json.RawMessage(`0`)})
	if err != nil {
		t.Fatal(err)
	}
	pw := filepath.Join(t.TempDir(), "passwd.txt")
	if err := os.WriteFile(pw, []byte("writer:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoint := localLambda(t, bootstrap, sandboxes, 60*time.Second, locallambda.Faults{},
		map[string]string{"HSFAN_STORE": "file://" + dir, "HSFAN_BUCKET": bucket, "HSFAN_PASSWORD_FILE": pw})
	client := awslambda.New(awslambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	auth, _ := json.Marshal(map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("writer:secret"))})
	value := func(round, i int) int32 { return int32(1000*round + i + 1) }
	write := func(round, i int) error {
		ev := fmt.Sprintf(`{"method": "PUT", "path": "/datasets/%s/value", "headers": %s, "params": {"domain": "/efs/cells.h5", "select": "[%d:%d]"}, "body": {"value": [%d]}}`,
			ds.ID, auth, i, i+1, value(round, i))
		for {
			out, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("hsfan-worker"), Payload: []byte(ev)})
			if err != nil && strings.Contains(err.Error(), "TooManyRequests") {
				time.Sleep(5 * time.Millisecond) // every sandbox busy: Lambda's 429
				continue
			}
			if err != nil {
				return err
			}
			if out.FunctionError != nil || !strings.Contains(string(out.Payload), `"statusCode": 200`) {
				return fmt.Errorf("element %d: %s %s", i, aws.ToString(out.FunctionError), out.Payload)
			}
			return nil
		}
	}
	for round := range rounds {
		jobs := make(chan int)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range jobs {
					if err := write(round, i); err != nil {
						errs <- err
					}
				}
			}()
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		d, err := f.OpenDatasetPath(ctx, "/cells")
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := d.Read(ctx, selection.All(d.Dims), 0)
		if err != nil {
			t.Fatal(err)
		}
		lost := 0
		for i := range n {
			if v := int32(binary.LittleEndian.Uint32(got[4*i:])); v != value(round, i) {
				lost++
				t.Errorf("round %d element %d = %d, want %d: an update was lost", round, i, v, value(round, i))
			}
		}
		t.Logf("round %d: %d writes of one chunk, %d lost", round, n, lost)
	}
	resp, err := http.Get(endpoint + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats locallambda.Stats
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatal(err)
	}
	s := stats.Functions["hsfan-worker"]
	t.Logf("sandboxes started %d, invocations %d, throttles %d", s.SandboxesStarted, s.Invocations, s.Throttles)
	if s.SandboxesStarted < 2 {
		t.Errorf("%d worker processes: the test needs several writing at once", s.SandboxesStarted)
	}
}
