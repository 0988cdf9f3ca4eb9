package worker

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/synth"
	"github.com/hsfan/hsfan/transport/awslambda"
)

// confinedHandler is a worker configured with store mem:// (and file:///data/other as an
// allowed second store), buckets b and b2, holding the cube of cubeTask in b; it records every
// store URL it opens.
func confinedHandler(t *testing.T, cfg Config) (*Handler, Task, store.Store, *[]string) {
	t.Helper()
	h0, task := cubeTask(t)
	st, _ := h0.store(context.Background(), "mem://")
	var mu sync.Mutex
	opened := &[]string{}
	cfg.OpenStore = func(_ context.Context, url string) (store.Store, error) {
		mu.Lock()
		defer mu.Unlock()
		*opened = append(*opened, url)
		return st, nil
	}
	if cfg.DefaultStore == "" {
		cfg.DefaultStore, cfg.DefaultBucket = "mem://", "b"
	}
	cfg.AllowedStores = append(cfg.AllowedStores, "file:///data/other")
	cfg.AllowedBuckets = append(cfg.AllowedBuckets, "b2")
	return NewHandler(cfg), task, st, opened
}

// TestTaskEventConfinement: what a task event names is checked against the worker's
// configuration; refusals are permanent, name the offending value and the allowed ones, and
// happen before any foreign store is opened.
func TestTaskEventConfinement(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		mut  func(*Task)
		// want is "" for success, else a fragment of the error.
		want string
	}{
		{"defaults", func(*Task) {}, ""},
		{"default store named", func(tk *Task) { tk.Store, tk.Bucket = "mem://", "b" }, ""},
		{"allowed store, other spelling", func(tk *Task) { tk.Store = "file:///data/./other/" }, ""},
		{"foreign store file:///", func(tk *Task) { tk.Store = "file:///" }, `task store "file:///" is not allowed: this worker uses mem://, file:///data/other`},
		{"foreign store below an allowed one", func(tk *Task) { tk.Store = "file:///data/other/sub" }, "not allowed"},
		{"foreign store above an allowed one", func(tk *Task) { tk.Store = "file:///data/other/.." }, "not allowed"},
		{"store without scheme", func(tk *Task) { tk.Store = "/etc" }, "want file://DIR"},
		{"s3 store not configured", func(tk *Task) { tk.Store = "s3://" }, "not allowed"},
		{"foreign bucket", func(tk *Task) { tk.Bucket = "secret" }, `task bucket "secret" is not allowed: this worker uses b, b2`},
		{"invalid bucket", func(tk *Task) { tk.Bucket = "~x" }, "invalid bucket"},
		{"reserved bucket", func(tk *Task) { tk.Bucket = ".vgwlocks" }, "invalid bucket"},
		{"allowed bucket without the dataset", func(tk *Task) { tk.Bucket = "b2" }, "is not in bucket b2"},
		{"dataset not in the store", func(tk *Task) {
			var obj schema.Dataset
			_ = json.Unmarshal(tk.Dataset, &obj)
			obj.ID = "d-00000000-00000000-0000-000000-000000"
			tk.Dataset, _ = json.Marshal(obj)
		}, "is not in bucket b"},
		{"forged reference layout", func(tk *Task) {
			var obj schema.Dataset
			_ = json.Unmarshal(tk.Dataset, &obj)
			obj.CreationProperties = json.RawMessage(`{"layout": {"class": "H5D_CONTIGUOUS_REF", "file_uri": "file:///etc/passwd", "offset": 0, "size": 1920}}`)
			tk.Dataset, _ = json.Marshal(obj)
		}, "differs from the store's"},
		{"forged shape", func(tk *Task) {
			var obj schema.Dataset
			_ = json.Unmarshal(tk.Dataset, &obj)
			obj.Shape.Dims[0] = 600
			tk.Dataset, _ = json.Marshal(obj)
		}, "differs from the store's"},
		{"dataset id with a path", func(tk *Task) { tk.Dataset = json.RawMessage(`{"id": "../../etc/passwd"}`) }, "task dataset"},
		{"result prefix below the worker's", func(tk *Task) { tk.ResultPrefix, tk.MaxInlineBytes = "hsfan-results/sub/", 1 }, ""},
		{"result prefix ../", func(tk *Task) { tk.ResultPrefix, tk.MaxInlineBytes = "../../etc", 1 }, `result prefix "../../etc"`},
		{"result prefix through ..", func(tk *Task) { tk.ResultPrefix = "hsfan-results/../db" }, `".." element`},
		{"result prefix absolute", func(tk *Task) { tk.ResultPrefix = "/tmp" }, "starts with /"},
		{"result prefix with an empty element", func(tk *Task) { tk.ResultPrefix = "hsfan-results//x" }, "contains //"},
		{"result prefix elsewhere", func(tk *Task) { tk.ResultPrefix = "db" }, "below hsfan-results/"},
		{"result prefix sharing a stem", func(tk *Task) { tk.ResultPrefix = "hsfan-results2" }, "below hsfan-results/"},
		{"job id ..", func(tk *Task) { tk.Job = ".." }, "job id"},
		{"job id with a slash", func(tk *Task) { tk.Job = "a/b" }, "job id"},
		{"foreign result bucket", func(tk *Task) { tk.ResultBucket = "b2" }, `result bucket "b2" is not allowed`},
		{"own result bucket named", func(tk *Task) { tk.ResultBucket, tk.MaxInlineBytes = "b", 1 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, task, _, opened := confinedHandler(t, Config{})
			task.Job = "job1"
			tc.mut(&task)
			res, err := h.RunTask(ctx, &task)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if task.MaxInlineBytes == 1 && (res.PartialRef == nil || res.PartialRef.Bucket != "b" ||
					!strings.HasPrefix(res.PartialRef.Key, strings.TrimSuffix(cmpOr(task.ResultPrefix, "hsfan-results"), "/")+"/job1/")) {
					t.Errorf("partial at %+v", res.PartialRef)
				}
				return
			}
			var we *Error
			if !errors.As(err, &we) || we.Retry {
				t.Fatalf("err = %v, want a permanent *worker.Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
			for _, u := range *opened {
				if u != "mem://" && u != "file:///data/other" {
					t.Errorf("opened store %q", u)
				}
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestSpillToResultBucket: with HSFAN_RESULT_BUCKET set, partials go there, and a task may name
// only that bucket.
func TestSpillToResultBucket(t *testing.T) {
	h, task, st, _ := confinedHandler(t, Config{ResultBucket: "out", ResultPrefix: "partials/"})
	task.Job, task.MaxInlineBytes = "j", 1
	res, err := h.RunTask(context.Background(), &task)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.PartialRef; r == nil || r.Bucket != "out" || !strings.HasPrefix(r.Key, "partials/j/") {
		t.Fatalf("partial at %+v, want out/partials/j/...", res.PartialRef)
	}
	if _, _, err := st.Get(context.Background(), "out", res.PartialRef.Key); err != nil {
		t.Errorf("partial not in the output bucket: %v", err)
	}
	task.ResultBucket = "b"
	if _, err := h.RunTask(context.Background(), &task); err == nil || !strings.Contains(err.Error(), "writes partials to bucket out") {
		t.Errorf("result bucket b: %v, want refused", err)
	}
}

// TestWeightsDatasetChecked: the N-D weights dataset a task carries is checked against the
// store like its dataset.
func TestWeightsDatasetChecked(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	f, err := hdf.Create(ctx, st, "b", "/w.h5", hdf.CreateOptions{Owner: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCube(ctx, f, synth.CubeOptions{Shape: []int{4, 6}, Chunks: []int{2, 6}, Type: "float32"}); err != nil {
		t.Fatal(err)
	}
	ds, err := f.OpenDatasetPath(ctx, "/data")
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := json.Marshal(ds.Obj)
	h := NewHandler(Config{DefaultStore: "mem://", DefaultBucket: "b", OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	task := Task{Version: TaskVersion, Dataset: obj, Op: "mean", Reduce: []bool{true, true}, Count: 2,
		WeightsDataset: obj, WeightsSelect: "[0:4,0:6]", WeightsAxes: []int{0, 1}}
	if _, err := h.RunTask(ctx, &task); err != nil {
		t.Fatalf("genuine weights: %v", err)
	}
	forged := ds.Obj
	forged.CreationProperties = json.RawMessage(`{"layout": {"class": "H5D_CONTIGUOUS_REF", "file_uri": "file:///etc/passwd", "offset": 0, "size": 96}}`)
	task.WeightsDataset, _ = json.Marshal(forged)
	_, err = h.RunTask(ctx, &task)
	var we *Error
	if !errors.As(err, &we) || we.Retry || !strings.Contains(err.Error(), "differs from the store's") {
		t.Errorf("forged weights: %v, want a permanent refusal", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := ConfigFromEnv(env(map[string]string{"HSFAN_STORE": "s3://", "HSFAN_BUCKET": "data",
		"HSFAN_ALLOWED_STORES": "file:///a, file:///b", "HSFAN_ALLOWED_BUCKETS": "x,y", "HSFAN_RESULT_BUCKET": "out",
		"HSFAN_RESULT_PREFIX": "res/", "HSFAN_REF_ALLOW": "files/data,hdf5", "HSFAN_REF_FOLLOW_SYMLINKS": "true",
		"AWS_LAMBDA_FUNCTION_NAME": "fn"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultStore != "s3://" || cfg.DefaultBucket != "data" || len(cfg.AllowedStores) != 2 || cfg.AllowedStores[1] != "file:///b" ||
		len(cfg.AllowedBuckets) != 2 || cfg.ResultBucket != "out" || cfg.ResultPrefix != "res/" || len(cfg.Refs.Allow) != 2 ||
		!cfg.Refs.FollowSymlinks || cfg.LambdaFunction != "fn" {
		t.Errorf("config %+v", cfg)
	}
	for _, bad := range []map[string]string{
		{"HSFAN_BUCKET": "~x"},
		{"HSFAN_ALLOWED_BUCKETS": "ok,.vgwlocks"},
		{"HSFAN_ALLOWED_STORES": "/etc"},
		{"HSFAN_RESULT_PREFIX": "../x"},
		{"HSFAN_RESULT_PREFIX": "/abs"},
		{"HSFAN_REF_ALLOW": "a/../b"},
		{"HSFAN_REF_FOLLOW_SYMLINKS": "yes please"},
	} {
		if _, err := ConfigFromEnv(env(bad)); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

// TestRESTEventsStayInTheWorkersBuckets: an HDF REST event naming another bucket of the store
// (query parameter or X-Hdf-bucket header) finds nothing there, even for a public domain.
func TestRESTEventsStayInTheWorkersBuckets(t *testing.T) {
	ctx := context.Background()
	st, _ := store.Open(ctx, "mem://", store.Options{})
	for _, b := range []string{"b", "secret"} {
		f, err := hdf.Create(ctx, st, b, "/pub.h5", hdf.CreateOptions{Owner: "u"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetACL(ctx, "default", schema.ACL{Read: true}); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHandler(Config{Events: restEvents, DefaultStore: "mem://", DefaultBucket: "b", OpenStore: func(context.Context, string) (store.Store, error) { return st, nil }})
	for _, tc := range []struct {
		event string
		code  int
	}{
		{`{"method": "GET", "path": "/", "params": {"domain": "/pub.h5"}}`, 200},
		{`{"method": "GET", "path": "/", "params": {"domain": "/pub.h5", "bucket": "b"}}`, 200},
		{`{"method": "GET", "path": "/", "params": {"domain": "/pub.h5", "bucket": "secret"}}`, 404},
		{`{"method": "GET", "path": "/", "headers": {"X-Hdf-bucket": "secret"}, "params": {"domain": "/pub.h5"}}`, 404},
		{`{"method": "GET", "path": "/domains", "params": {"bucket": "secret"}}`, 404},
	} {
		out, err := h.Invoke(ctx, []byte(tc.event))
		if err != nil {
			t.Fatalf("%s: %v", tc.event, err)
		}
		var resp struct {
			StatusCode  int `json:"statusCode"`
			StatusCode2 int `json:"status_code"`
		}
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode+resp.StatusCode2 != tc.code {
			t.Errorf("%s: answer %.300s, want status %d", tc.event, out, tc.code)
		}
	}
}

// TestErrorTypesMatchTheInvoker: the Lambda invoker recognises the worker's error types.
func TestErrorTypesMatchTheInvoker(t *testing.T) {
	if ErrorTypePermanent != awslambda.ErrorTypePermanent || ErrorTypeRetryable != awslambda.ErrorTypeRetryable {
		t.Errorf("worker %s/%s, lambdainvoke %s/%s", ErrorTypePermanent, ErrorTypeRetryable, awslambda.ErrorTypePermanent, awslambda.ErrorTypeRetryable)
	}
}
