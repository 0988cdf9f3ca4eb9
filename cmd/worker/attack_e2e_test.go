package main

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/locallambda"
	"github.com/hsfan/hsfan/ops"
	"github.com/hsfan/hsfan/worker"
)

// refDatasetJSON is the JSON of a 1-D uint8 dataset of n elements whose values are the first n
// bytes of uri (an H5D_CONTIGUOUS_REF layout, as hsload --link writes it).
func refDatasetJSON(t *testing.T, id, uri string, n int) json.RawMessage {
	t.Helper()
	cp, _ := json.Marshal(map[string]any{"layout": map[string]any{"class": schema.LayoutContiguousRef, "file_uri": uri, "offset": 0, "size": n}})
	obj := schema.Dataset{ID: id, Root: "g-" + id[2:], Type: json.RawMessage(`"H5T_STD_U8LE"`),
		Shape: schema.Shape{Class: schema.ShapeSimple, Dims: []int{n}}, Layout: schema.Layout{Class: schema.LayoutChunked, Dims: []int{n}},
		CreationProperties: cp}
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeRefDataset writes a reference dataset into domain f, the way anyone allowed to write the
// domain (through the REST API) can, and returns its JSON.
func storeRefDataset(t *testing.T, f *hdf.File, name, uri string, n int) json.RawMessage {
	t.Helper()
	ctx := context.Background()
	id, err := schema.NewObjID(f.RootID(), schema.KindDataset, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw := refDatasetJSON(t, id, uri, n)
	var obj schema.Dataset
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	obj.Root = f.RootID()
	key, err := schema.ObjectKey(id)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := schema.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store().Put(ctx, f.Bucket(), key, stored, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := f.Link(ctx, f.RootID(), name, schema.Link{ID: id}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(obj)
	return b
}

// leakedBytes decodes a max partial over an unreduced 1-D selection back into the bytes read.
func leakedBytes(t *testing.T, partial []byte, n int) []byte {
	t.Helper()
	p := ops.NewPartial(ops.Max, &ops.Geometry{Shape: []int{n}, Reduce: []bool{false}}, ops.Options{})
	if err := p.UnmarshalBinary(partial); err != nil {
		return []byte(fmt.Sprintf("(partial of %d bytes: %v)", len(partial), err))
	}
	out := []byte{}
	for _, v := range p.Finalize().Value {
		if v == v { // not NaN
			out = append(out, byte(v))
		}
	}
	return out
}

// TestAttacksThroughLocalLambda sends hostile task events through the real aws-sdk-go-v2 Lambda
// client, hsfan lambda-local and the real bootstrap configured with one store and bucket
// (HSFAN_STORE, HSFAN_BUCKET): every one must be refused with a permanent error, nothing of the
// files it aims at may come back, and nothing may be written outside the job's result prefix.
// A legitimate task through the same worker (spilling its partial) must still work.
func TestAttacksThroughLocalLambda(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the worker and runs processes")
	}
	ctx := context.Background()
	bootstrap := buildBootstrap(t)
	dir := t.TempDir()     // the worker's store
	outside := t.TempDir() // a directory outside it, with a secret
	other := t.TempDir()   // another store the worker is not configured with
	for _, d := range []string{filepath.Join(dir, "hsfan"), filepath.Join(dir, "secret"), filepath.Join(other, "hsfan")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const secret = "TOP-SECRET-0123456789-abcdefghijklmnopqrstuvwxyz-TOP-SECRET-0123"
	for _, p := range []string{filepath.Join(outside, "secret.txt"), filepath.Join(dir, "secret", "secret.txt"), filepath.Join(other, "hsfan", "secret.txt")} {
		if err := os.WriteFile(p, []byte(secret), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A symlink planted in the data bucket, pointing out of the store.
	if err := os.Symlink(outside, filepath.Join(dir, "hsfan", "escape")); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "file://"+dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, "hsfan", "/c.h5", hdf.CreateOptions{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{4, 6}, Chunks: []int{2, 6}, Type: "int16"}); err != nil {
		t.Fatal(err)
	}
	cube, err := f.OpenDatasetPath(ctx, "/data")
	if err != nil {
		t.Fatal(err)
	}
	cubeJSON, _ := json.Marshal(cube.Obj)
	n := len(secret)
	foreignRef := storeRefDataset(t, f, "foreign", "s3://secret/secret.txt", n)
	symlinkRef := storeRefDataset(t, f, "symlink", "hsfan/escape/secret.txt", n)
	fileRef := storeRefDataset(t, f, "fileref", "file:///"+strings.TrimPrefix(filepath.Join(outside, "secret.txt"), "/"), n)
	otherSt, err := store.Open(ctx, "file://"+other, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	of, err := hdf.Create(ctx, otherSt, "hsfan", "/o.h5", hdf.CreateOptions{Owner: "t"})
	if err != nil {
		t.Fatal(err)
	}
	otherRef := storeRefDataset(t, of, "ref", "hsfan/secret.txt", n)
	id, _ := schema.NewObjID(f.RootID(), schema.KindDataset, crand.Reader)

	canary := "hsfan-canary-" + fmt.Sprint(time.Now().UnixNano())
	env := map[string]string{"HSFAN_STORE": "file://" + dir, "HSFAN_BUCKET": "hsfan", "AWS_SECRET_ACCESS_KEY": canary}
	endpoint := localLambda(t, bootstrap, 2, 30*time.Second, locallambda.Faults{}, env)
	client := awslambda.New(awslambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})

	refTask := func(store, bucket string, ds json.RawMessage) *worker.Task {
		return &worker.Task{Version: worker.TaskVersion, Job: "attack", Store: store, Bucket: bucket, Dataset: ds, Op: "max",
			Reduce: []bool{false}, Count: 1}
	}
	cubeTask := func(mut func(*worker.Task)) *worker.Task {
		tk := &worker.Task{Version: worker.TaskVersion, Job: "j1", Dataset: cubeJSON, Op: "sum", Reduce: []bool{false, true}, Count: 2}
		mut(tk)
		return tk
	}
	invoke := func(t *testing.T, tk *worker.Task) (*awslambda.InvokeOutput, error) {
		payload, err := json.Marshal(worker.TaskEvent{Task: tk})
		if err != nil {
			t.Fatal(err)
		}
		return client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("hsfan-worker"), Payload: payload})
	}

	t.Run("legitimate task with a spilled partial", func(t *testing.T) {
		out, err := invoke(t, cubeTask(func(tk *worker.Task) { tk.MaxInlineBytes = 1 }))
		if err != nil {
			t.Fatal(err)
		}
		if out.FunctionError != nil {
			t.Fatalf("function error %s: %s", *out.FunctionError, out.Payload)
		}
		var ev worker.ResultEvent
		if err := json.Unmarshal(out.Payload, &ev); err != nil || ev.Result == nil || ev.Result.PartialRef == nil {
			t.Fatalf("answer %s (%v): want a partial reference", out.Payload, err)
		}
		if r := ev.Result.PartialRef; r.Bucket != "hsfan" || !strings.HasPrefix(r.Key, "hsfan-results/j1/") {
			t.Errorf("partial at %s/%s, want hsfan/hsfan-results/j1/...", r.Bucket, r.Key)
		}
	})

	for _, tc := range []struct {
		name string
		task *worker.Task
		// want is a fragment of the error message.
		want string
	}{
		{"/etc/passwd through file:/// and H5D_CONTIGUOUS_REF", refTask("file:///", "", refDatasetJSON(t, id, "file:///etc/passwd", 64)), "file:///"},
		{"/proc/self/environ through file:/// and H5D_CONTIGUOUS_REF", refTask("file:///", "proc", refDatasetJSON(t, id, "proc/self/environ", 4096)), "file:///"},
		{"an event naming a foreign store", refTask("file://"+other, "hsfan", otherRef), other},
		{"an event naming a foreign bucket of the store", refTask("", "secret", refDatasetJSON(t, id, "secret/secret.txt", n)), "secret"},
		{"an inline dataset that is not in the store", refTask("", "", refDatasetJSON(t, id, "s3://secret/secret.txt", n)), id},
		{"a stored s3 reference to a foreign bucket", refTask("", "", foreignRef), "secret"},
		{"a stored reference through a symlink out of the store", refTask("", "", symlinkRef), "symbolic link"},
		{"a stored file:// reference to a path outside the store", refTask("", "", fileRef), "file://"},
		{"a ../ result_prefix", cubeTask(func(tk *worker.Task) {
			tk.MaxInlineBytes, tk.ResultPrefix = 1, "../../../../../../../.."+outside
		}), "result"},
		{"an absolute result_prefix", cubeTask(func(tk *worker.Task) { tk.MaxInlineBytes, tk.ResultPrefix = 1, outside }), "result"},
		{"a result_prefix outside the worker's", cubeTask(func(tk *worker.Task) { tk.MaxInlineBytes, tk.ResultPrefix = 1, "db" }), "result"},
		{"a ../ job id", cubeTask(func(tk *worker.Task) { tk.MaxInlineBytes, tk.Job = 1, "../../db" }), "job"},
		{"a foreign result bucket", cubeTask(func(tk *worker.Task) { tk.MaxInlineBytes, tk.ResultBucket = 1, "secret" }), "secret"},
		{"an invalid bucket", cubeTask(func(tk *worker.Task) { tk.Bucket = "~x" }), "~x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := invoke(t, tc.task)
			if err != nil {
				t.Fatal(err)
			}
			if out.FunctionError == nil {
				var ev worker.ResultEvent
				_ = json.Unmarshal(out.Payload, &ev)
				if ev.Result != nil && ev.Result.PartialRef != nil {
					t.Fatalf("attack succeeded: partial written to %s/%s", ev.Result.PartialRef.Bucket, ev.Result.PartialRef.Key)
				}
				leak := ""
				if ev.Result != nil {
					leak = string(leakedBytes(t, ev.Result.Partial, cellCount(tc.task)))
				}
				if len(leak) > 80 {
					leak = leak[:80] + "..."
				}
				t.Fatalf("attack succeeded: the worker answered %d bytes, read %q", len(out.Payload), leak)
			}
			var doc struct {
				Type    string `json:"errorType"`
				Message string `json:"errorMessage"`
			}
			if err := json.Unmarshal(out.Payload, &doc); err != nil {
				t.Fatalf("error document %s: %v", out.Payload, err)
			}
			if doc.Type != worker.ErrorTypePermanent {
				t.Errorf("errorType %q (%s), want %s: a refused event must not be retried", doc.Type, doc.Message, worker.ErrorTypePermanent)
			}
			if !strings.Contains(doc.Message, tc.want) {
				t.Errorf("message %q does not name %q", doc.Message, tc.want)
			}
			for _, s := range []string{secret, canary, "root:"} {
				if strings.Contains(string(out.Payload), s) {
					t.Errorf("answer leaks %q: %s", s, out.Payload)
				}
			}
			t.Logf("refused: %s", doc.Message)
		})
	}
	// Nothing was written outside the job's result prefix: no partial anywhere else in the
	// store, none in the directory outside it.
	for _, root := range []string{dir, outside, other} {
		_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && strings.HasSuffix(p, ".partial") && !strings.HasPrefix(p, filepath.Join(dir, "hsfan", "hsfan-results", "j1")+"/") {
				t.Errorf("partial written outside the job's prefix: %s", p)
			}
			return nil
		})
	}
}

// cellCount is the number of output cells of a 1-D unreduced reference task.
func cellCount(tk *worker.Task) int {
	var obj schema.Dataset
	if json.Unmarshal(tk.Dataset, &obj) != nil || len(obj.Shape.Dims) != 1 {
		return 0
	}
	return obj.Shape.Dims[0]
}
