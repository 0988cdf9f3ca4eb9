package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/rest"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Config configures a Handler.
type Config struct {
	// DefaultStore and DefaultBucket are used by tasks that name none (HSFAN_STORE, HSFAN_BUCKET).
	DefaultStore, DefaultBucket string
	// StoreOptions are passed to store.Open.
	StoreOptions store.Options
	// OpenStore opens a store by URL; store.Open when nil (tests inject a shared memory store).
	OpenStore func(ctx context.Context, url string) (store.Store, error)
	// Logger receives one line per event; nil discards.
	Logger *slog.Logger
	// Lambda serves REST events with HSDS's Lambda rules (set automatically under AWS Lambda).
	Lambda bool
}

// ConfigFromEnv reads HSFAN_STORE and HSFAN_BUCKET.
func ConfigFromEnv() Config {
	return Config{DefaultStore: os.Getenv("HSFAN_STORE"), DefaultBucket: os.Getenv("HSFAN_BUCKET")}
}

// Handler answers worker events. It is safe for concurrent use and keeps opened stores (and
// their connection pools) across invocations; nothing else survives an invocation.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	mu     sync.Mutex
	stores map[string]store.Store
	warm   atomic.Bool

	restMu sync.Mutex
	rest   *rest.Server
}

// NewHandler returns a handler; it does no I/O.
func NewHandler(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, log: log, stores: map[string]store.Store{}}
}

// Invoke answers one raw event (the aws-lambda-go lambda.Handler interface). Task events are
// standard JSON (their dataset JSON in pyjson's internal form); HDF REST events may be in
// Python's JSON dialect (NaN, Infinity, -Infinity), as HSDS's clients send them.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil {
		if perr := pyjson.Unmarshal(payload, &probe); perr != nil {
			return nil, permanent(fmt.Errorf("event is not a JSON object: %w", err))
		}
		if _, ok := probe["hsfan_task"]; ok {
			return nil, permanent(errors.New("task event: not standard JSON (NaN and Infinity must be pyjson sentinels)"))
		}
	}
	if raw, ok := probe["hsfan_task"]; ok {
		var t Task
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&t); err != nil {
			return nil, permanent(fmt.Errorf("task event: %w", err))
		}
		res, err := h.RunTask(ctx, &t)
		if err != nil {
			return nil, err
		}
		return json.Marshal(ResultEvent{Result: res})
	}
	// Everything else is an HDF REST request: an HSDS Lambda event or an API Gateway v2 event.
	srv, err := h.restServer(ctx)
	if err != nil {
		return nil, err
	}
	return rest.HandleLambdaEvent(ctx, srv, payload)
}

// restServer builds the REST server on first use (not at start-up: cold starts stay short). A
// failure is not remembered: the next event tries again.
func (h *Handler) restServer(ctx context.Context) (*rest.Server, error) {
	h.restMu.Lock()
	defer h.restMu.Unlock()
	if h.rest != nil {
		return h.rest, nil
	}
	st, err := h.store(ctx, "")
	if err != nil {
		return nil, err
	}
	fn := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	srv, err := rest.New(rest.Config{Store: st, Bucket: h.cfg.DefaultBucket, Logger: h.log,
		Lambda: fn != "" || h.cfg.Lambda, LambdaFunction: fn})
	if err != nil {
		return nil, permanent(fmt.Errorf("rest server: %w", err))
	}
	h.rest = srv
	return srv, nil
}

// store returns the (cached) store for url.
func (h *Handler) store(ctx context.Context, url string) (store.Store, error) {
	if url == "" {
		url = h.cfg.DefaultStore
	}
	if url == "" {
		return nil, permanent(errors.New("task names no store and HSFAN_STORE is not set"))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if st, ok := h.stores[url]; ok {
		return st, nil
	}
	var (
		st  store.Store
		err error
	)
	if h.cfg.OpenStore != nil {
		st, err = h.cfg.OpenStore(ctx, url)
	} else {
		opts := h.cfg.StoreOptions
		opts.Logger = h.log
		st, err = store.Open(ctx, url, opts)
	}
	if err != nil {
		return nil, permanent(fmt.Errorf("open store %s: %w", url, err))
	}
	h.stores[url] = st
	return st, nil
}

// RunTask runs one reduction task.
func (h *Handler) RunTask(ctx context.Context, t *Task) (*TaskResult, error) {
	start := time.Now()
	cold := !h.warm.Swap(true)
	if err := t.Validate(); err != nil {
		return nil, permanent(err)
	}
	if t.DelayMillis > 0 {
		select {
		case <-time.After(time.Duration(t.DelayMillis) * time.Millisecond):
		case <-ctx.Done():
			return nil, retryable(ctx.Err())
		}
	}
	if t.NoOp {
		return &TaskResult{Index: t.Index, ColdStart: cold}, nil
	}
	st, err := h.store(ctx, t.Store)
	if err != nil {
		return nil, err
	}
	bucket := t.Bucket
	if bucket == "" {
		bucket = h.cfg.DefaultBucket
	}
	ds, err := openTaskDataset(st, bucket, t.Dataset)
	if err != nil {
		return nil, permanent(err)
	}
	red, err := NewReduction(ctx, ds, t)
	if err != nil {
		var we *Error
		if errors.As(err, &we) {
			return nil, err
		}
		return nil, permanent(err)
	}
	p, res, err := red.Run(ctx, t.First, t.Count, t.Concurrency)
	if err != nil {
		if isPermanent(err) {
			return nil, permanent(err)
		}
		return nil, retryable(fmt.Errorf("task %d: %w", t.Index, err))
	}
	if res.Partial, err = p.MarshalBinary(); err != nil {
		return nil, permanent(err)
	}
	if limit := h.inlineLimit(t); limit > 0 && len(res.Partial) > limit {
		if res.PartialRef, err = h.spill(ctx, st, t, bucket, res.Partial); err != nil {
			return nil, retryable(err)
		}
		res.Partial = nil
	}
	res.Index = t.Index
	res.ColdStart = cold
	h.log.LogAttrs(ctx, slog.LevelDebug, "task done", slog.String("job", t.Job), slog.Int("task", t.Index),
		slog.Int64("chunks", res.Chunks), slog.Int64("bytes", res.StoredBytes), slog.Duration("took", time.Since(start)))
	return &res, nil
}

// lambdaInlineLimit leaves room in Lambda's 6 MB synchronous response for the JSON envelope
// (base64 grows the partial by a third).
const lambdaInlineLimit = 4 << 20

func (h *Handler) inlineLimit(t *Task) int {
	if t.MaxInlineBytes > 0 {
		return t.MaxInlineBytes
	}
	if os.Getenv("AWS_LAMBDA_FUNCTION_NAME") != "" {
		return lambdaInlineLimit
	}
	return 0
}

// spill writes a large partial to the store; the coordinator reads and deletes it.
func (h *Handler) spill(ctx context.Context, st store.Store, t *Task, bucket string, data []byte) (*ObjectRef, error) {
	rb := t.ResultBucket
	if rb == "" {
		rb = bucket
	}
	prefix := t.ResultPrefix
	if prefix == "" {
		prefix = "hsfan-results"
	}
	job := t.Job
	if job == "" {
		job = "job"
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%s/%06d-%x.partial", strings.Trim(prefix, "/"), job, t.Index, nonce)
	if _, err := st.Put(ctx, rb, key, data, store.PutOptions{}); err != nil {
		return nil, fmt.Errorf("write partial %s: %w", key, err)
	}
	return &ObjectRef{Store: t.Store, Bucket: rb, Key: key, Size: int64(len(data))}, nil
}

// openTaskDataset builds the dataset from the JSON a task carries.
func openTaskDataset(st store.Store, bucket string, raw json.RawMessage) (*hdf.Dataset, error) {
	var obj schema.Dataset
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("task dataset: %w", err)
	}
	return hdf.OpenDataset(st, bucket, &obj)
}
