package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/store"
)

// Config configures a Handler. A handler touches only the stores and buckets configured here:
// a task event may name a store or bucket, but only one of these (a permanent error otherwise),
// its dataset JSON is checked against the store's, its reference layouts are confined by Refs
// and its spilled partial goes to ResultBucket under ResultPrefix.
type Config struct {
	// DefaultStore and DefaultBucket are used by tasks that name none (HSFAN_STORE, HSFAN_BUCKET).
	DefaultStore, DefaultBucket string
	// AllowedStores and AllowedBuckets are the further store URLs and buckets a task may name
	// (HSFAN_ALLOWED_STORES, HSFAN_ALLOWED_BUCKETS); any allowed bucket goes with any allowed
	// store. Store URLs compare after normalisation (file:// paths cleaned and made absolute, every
	// s3:// URL is the one S3 store of the AWS configuration).
	AllowedStores, AllowedBuckets []string
	// ResultBucket is where partials too large for the response are written (HSFAN_RESULT_BUCKET;
	// default: the task's bucket) and ResultPrefix the key prefix (HSFAN_RESULT_PREFIX; default
	// DefaultResultPrefix). A task may name this bucket and this prefix or one below it, nothing else.
	ResultBucket, ResultPrefix string
	// Refs confines what reference layouts may read (HSFAN_REF_ALLOW; zero: the dataset's own bucket).
	Refs hdf.RefPolicy
	// StoreOptions are passed to store.Open.
	StoreOptions store.Options
	// OpenStore opens a store by URL; store.Open when nil (tests inject a shared memory store).
	OpenStore func(ctx context.Context, url string) (store.Store, error)
	// Logger receives one line per event; nil discards.
	Logger *slog.Logger
	// Lambda serves REST events with HSDS's Lambda rules (set automatically under AWS Lambda);
	// passed on to Events in EventConfig.
	Lambda bool
	// LambdaFunction is the function's name under AWS Lambda (AWS_LAMBDA_FUNCTION_NAME), "" elsewhere:
	// it implies Lambda, and partials above 4 MiB are spilled (Lambda's 6 MB response limit).
	LambdaFunction string
	// Events builds the answerer of every event that is not a task (HSDS Lambda events and API
	// Gateway v2 events: cmd/worker wires hsds/rest here), on the first such event, over the
	// worker's own store confined to its buckets. Nil: such events fail with a permanent error.
	Events func(ctx context.Context, ec EventConfig) (EventFunc, error)
	// Tasks answers task events of other job kinds, by the event's top-level member name
	// (e.g. "hsfan_mr" for map-reduce, jobs/mapreduce/mrwork.Tasks); see TaskFunc.
	Tasks map[string]TaskFunc
}

// EventFunc answers one raw event that is not a task.
type EventFunc func(ctx context.Context, payload []byte) ([]byte, error)

// EventConfig is what Config.Events gets: the default store confined to DefaultBucket and
// AllowedBuckets (any other bucket fails with an error wrapping store.ErrBucketNotFound), the
// default bucket, the handler's logger and the Lambda settings of the Config.
type EventConfig struct {
	Store          store.Store
	Bucket         string
	Logger         *slog.Logger
	Lambda         bool
	LambdaFunction string
}

// DefaultResultPrefix is the key prefix of spilled partials.
const DefaultResultPrefix = "hsfan-results"

// ConfigFromEnv builds a Config from environment variables read through getenv (os.Getenv in
// main): HSFAN_STORE, HSFAN_BUCKET, HSFAN_ALLOWED_STORES and HSFAN_ALLOWED_BUCKETS
// (comma-separated), HSFAN_RESULT_BUCKET, HSFAN_RESULT_PREFIX, HSFAN_REF_ALLOW (comma-separated
// "bucket" or "bucket/prefix"), HSFAN_REF_FOLLOW_SYMLINKS (1 or true) and AWS_LAMBDA_FUNCTION_NAME.
// Invalid values are errors.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{DefaultStore: getenv("HSFAN_STORE"), DefaultBucket: getenv("HSFAN_BUCKET"),
		AllowedStores: splitList(getenv("HSFAN_ALLOWED_STORES")), AllowedBuckets: splitList(getenv("HSFAN_ALLOWED_BUCKETS")),
		ResultBucket: getenv("HSFAN_RESULT_BUCKET"), ResultPrefix: getenv("HSFAN_RESULT_PREFIX"),
		LambdaFunction: getenv("AWS_LAMBDA_FUNCTION_NAME")}
	var err error
	if cfg.Refs.Allow, err = hdf.ParseRefAllow(getenv("HSFAN_REF_ALLOW")); err != nil {
		return cfg, fmt.Errorf("HSFAN_REF_ALLOW: %w", err)
	}
	switch v := strings.ToLower(getenv("HSFAN_REF_FOLLOW_SYMLINKS")); v {
	case "", "0", "false":
	case "1", "true":
		cfg.Refs.FollowSymlinks = true
	default:
		return cfg, fmt.Errorf("HSFAN_REF_FOLLOW_SYMLINKS %q: want 1, true, 0 or false", v)
	}
	return cfg, cfg.Validate()
}

func splitList(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Validate checks the configured buckets, store URLs and result prefix.
func (c Config) Validate() error {
	var errs []error
	for _, b := range append([]string{c.DefaultBucket, c.ResultBucket}, c.AllowedBuckets...) {
		if b != "" {
			if err := store.ValidateBucket(b); err != nil {
				errs = append(errs, fmt.Errorf("worker config: %w", err))
			}
		}
	}
	for _, u := range append([]string{c.DefaultStore}, c.AllowedStores...) {
		if u != "" {
			if _, err := normalizeStoreURL(u); err != nil {
				errs = append(errs, fmt.Errorf("worker config: %w", err))
			}
		}
	}
	if c.ResultPrefix != "" {
		if err := validatePrefix(c.ResultPrefix); err != nil {
			errs = append(errs, fmt.Errorf("worker config: result prefix: %w", err))
		}
	}
	if err := c.Refs.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("worker config: %w", err))
	}
	return errors.Join(errs...)
}

// Handler answers worker events. It is safe for concurrent use and keeps opened stores (and
// their connection pools) and the dataset JSON it checked against the store across
// invocations; nothing else survives an invocation.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	mu       sync.Mutex
	stores   map[string]store.Store
	verified map[verifiedKey][]byte // dataset JSON checked against the store
	warm     atomic.Bool

	eventsMu sync.Mutex
	events   EventFunc
}

// NewHandler returns a handler; it does no I/O.
func NewHandler(cfg Config) *Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.LambdaFunction != "" {
		cfg.Lambda = true
	}
	return &Handler{cfg: cfg, log: log, stores: map[string]store.Store{}, verified: map[verifiedKey][]byte{}}
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
	for name, fn := range h.cfg.Tasks {
		if raw, ok := probe[name]; ok {
			return h.runTaskFunc(ctx, name, fn, raw)
		}
	}
	// Everything else (an HDF REST request: an HSDS Lambda event or an API Gateway v2 event)
	// goes to the configured event answerer.
	answer, err := h.eventFunc(ctx)
	if err != nil {
		return nil, err
	}
	return answer(ctx, payload)
}

// eventFunc builds the answerer of non-task events on first use (not at start-up: cold starts
// stay short). A failure is not remembered: the next event tries again.
func (h *Handler) eventFunc(ctx context.Context) (EventFunc, error) {
	h.eventsMu.Lock()
	defer h.eventsMu.Unlock()
	if h.events != nil {
		return h.events, nil
	}
	if h.cfg.Events == nil {
		return nil, permanent(errors.New("event is not a task event ({\"hsfan_task\": ...}) and this worker answers no other events"))
	}
	url, err := h.taskStore("")
	if err != nil {
		return nil, err
	}
	st, err := h.store(ctx, url)
	if err != nil {
		return nil, err
	}
	// REST requests may name buckets; only the worker's own are reachable.
	buckets := []string{}
	for _, b := range append([]string{h.cfg.DefaultBucket}, h.cfg.AllowedBuckets...) {
		if b != "" {
			buckets = append(buckets, b)
		}
	}
	fn, err := h.cfg.Events(ctx, EventConfig{Store: newBucketStore(st, buckets), Bucket: h.cfg.DefaultBucket, Logger: h.log,
		Lambda: h.cfg.Lambda, LambdaFunction: h.cfg.LambdaFunction})
	if err != nil {
		return nil, permanent(fmt.Errorf("event server: %w", err))
	}
	h.events = fn
	return fn, nil
}

// store returns the (cached) store for url, a URL taskStore allowed.
func (h *Handler) store(ctx context.Context, url string) (store.Store, error) {
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
	// Everything the event names is checked against the worker's configuration before any
	// work: the store, the bucket, where a spilled partial would go, the dataset JSON.
	url, err := h.taskStore(t.Store)
	if err != nil {
		return nil, err
	}
	bucket, err := h.taskBucket(t.Bucket)
	if err != nil {
		return nil, err
	}
	spillBucket, spillPrefix, err := h.spillLocation(t, bucket)
	if err != nil {
		return nil, err
	}
	st, err := h.store(ctx, url)
	if err != nil {
		return nil, err
	}
	ds, err := h.openTaskDataset(ctx, st, url, bucket, t.Dataset)
	if err != nil {
		return nil, err
	}
	if len(t.WeightsDataset) > 0 {
		if _, err := h.storeDataset(ctx, st, url, bucket, t.WeightsDataset); err != nil {
			return nil, err
		}
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
		if res.PartialRef, err = h.spill(ctx, st, t, spillBucket, spillPrefix, res.Partial); err != nil {
			return nil, classify(err)
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
	if h.cfg.LambdaFunction != "" {
		return lambdaInlineLimit
	}
	return 0
}

// spill writes a large partial to the store under prefix (from spillLocation); the coordinator
// reads and deletes it.
func (h *Handler) spill(ctx context.Context, st store.Store, t *Task, bucket, prefix string, data []byte) (*ObjectRef, error) {
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s%06d-%x.partial", prefix, t.Index, nonce)
	if _, err := st.Put(ctx, bucket, key, data, store.PutOptions{}); err != nil {
		return nil, fmt.Errorf("write partial %s: %w", key, err)
	}
	return &ObjectRef{Store: t.Store, Bucket: bucket, Key: key, Size: int64(len(data))}, nil
}
