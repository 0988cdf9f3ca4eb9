package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// This file holds what confines a task event to the worker's own configuration: the store and
// bucket it may name, the dataset JSON it carries (checked against the store's), and where a
// spilled partial may go.

// normalizeStoreURL returns the form in which store URLs are compared: "file://" + an absolute
// clean path, "s3://" (every s3:// URL opens the one S3 store of the AWS configuration chain,
// see store.Open) or "mem://".
func normalizeStoreURL(u string) (string, error) {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "", fmt.Errorf("store %q: want file://DIR, s3:// or mem://", u)
	}
	switch strings.ToLower(scheme) {
	case "file":
		if rest == "" {
			return "", fmt.Errorf("store %q: no directory after file://", u)
		}
		abs, err := filepath.Abs(rest)
		if err != nil {
			return "", fmt.Errorf("store %q: %w", u, err)
		}
		return "file://" + abs, nil
	case "s3":
		return "s3://", nil
	case "mem":
		return "mem://", nil
	}
	return "", fmt.Errorf("store %q: unknown scheme %q (want file, s3 or mem)", u, scheme)
}

// taskStore resolves the store a task names ("" for the default) to the URL to open, refusing
// any store the worker is not configured with.
func (h *Handler) taskStore(named string) (string, error) {
	if named == "" {
		if h.cfg.DefaultStore == "" {
			return "", permanent(errors.New("task names no store and the worker has none (HSFAN_STORE)"))
		}
		return h.cfg.DefaultStore, nil
	}
	want, err := normalizeStoreURL(named)
	if err != nil {
		return "", permanent(fmt.Errorf("task store: %w", err))
	}
	allowed := []string{}
	for _, u := range append([]string{h.cfg.DefaultStore}, h.cfg.AllowedStores...) {
		if u == "" {
			continue
		}
		allowed = append(allowed, u)
		if n, err := normalizeStoreURL(u); err == nil && n == want {
			return u, nil
		}
	}
	return "", permanent(fmt.Errorf("task store %q is not allowed: this worker uses %s (HSFAN_STORE, HSFAN_ALLOWED_STORES)",
		named, describeList(allowed)))
}

// taskBucket resolves the bucket a task names ("" for the default), refusing invalid names and
// buckets the worker is not configured with.
func (h *Handler) taskBucket(named string) (string, error) {
	b := named
	if b == "" {
		b = h.cfg.DefaultBucket
	}
	if b == "" {
		return "", permanent(errors.New("task names no bucket and the worker has none (HSFAN_BUCKET)"))
	}
	if err := store.ValidateBucket(b); err != nil {
		return "", permanent(fmt.Errorf("task bucket: %w", err))
	}
	allowed := []string{}
	for _, a := range append([]string{h.cfg.DefaultBucket}, h.cfg.AllowedBuckets...) {
		if a == "" {
			continue
		}
		allowed = append(allowed, a)
		if a == b {
			return b, nil
		}
	}
	return "", permanent(fmt.Errorf("task bucket %q is not allowed: this worker uses %s (HSFAN_BUCKET, HSFAN_ALLOWED_BUCKETS)",
		b, describeList(allowed)))
}

func describeList(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// maxVerified bounds the cache of dataset JSON verified against the store.
const maxVerified = 1024

type verifiedKey struct{ store, bucket, id string }

// storeDataset returns the dataset a task's JSON describes, as the store holds it: the JSON a
// task carries decides nothing by itself. The store's .dataset.json of the same id is read
// (once per handler while it does not change) and must equal the task's, else the task fails
// permanently (a dataset changed since the job was planned, or a description that is not the
// store's).
func (h *Handler) storeDataset(ctx context.Context, st store.Store, storeURL, bucket string, raw json.RawMessage) (*schema.Dataset, error) {
	var obj schema.Dataset
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, permanent(fmt.Errorf("task dataset: %w", err))
	}
	key, err := schema.ObjectKey(obj.ID)
	if err != nil {
		return nil, permanent(fmt.Errorf("task dataset: %w", err))
	}
	canon, err := json.Marshal(obj)
	if err != nil {
		return nil, permanent(fmt.Errorf("task dataset %s: %w", obj.ID, err))
	}
	vk := verifiedKey{storeURL, bucket, obj.ID}
	h.mu.Lock()
	known, ok := h.verified[vk]
	h.mu.Unlock()
	if ok && bytes.Equal(known, canon) {
		return &obj, nil
	}
	b, _, err := st.Get(ctx, bucket, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, permanent(fmt.Errorf("task dataset %s is not in bucket %s of the store (%s): a task's dataset must be the store's", obj.ID, bucket, key))
	}
	if err != nil {
		return nil, classify(fmt.Errorf("read dataset %s: %w", obj.ID, err))
	}
	var stored schema.Dataset
	if err := schema.Unmarshal(b, &stored); err != nil {
		return nil, permanent(fmt.Errorf("dataset %s (%s): %w", obj.ID, key, err))
	}
	if stored.ID == "" {
		stored.ID = obj.ID
	}
	scanon, err := json.Marshal(stored)
	if err != nil {
		return nil, permanent(fmt.Errorf("dataset %s: %w", obj.ID, err))
	}
	if !bytes.Equal(scanon, canon) {
		return nil, permanent(fmt.Errorf("task dataset %s differs from the store's %s (changed since the job was planned, or not the store's)", obj.ID, key))
	}
	h.mu.Lock()
	if len(h.verified) >= maxVerified {
		clear(h.verified)
	}
	h.verified[vk] = scanon
	h.mu.Unlock()
	return &stored, nil
}

// openTaskDataset opens the task's dataset as the store holds it.
func (h *Handler) openTaskDataset(ctx context.Context, st store.Store, storeURL, bucket string, raw json.RawMessage) (*hdf.Dataset, error) {
	obj, err := h.storeDataset(ctx, st, storeURL, bucket, raw)
	if err != nil {
		return nil, err
	}
	// A task reads one snapshot: its chunk table (reference layouts) is read once.
	ds, err := hdf.OpenDatasetWith(st, bucket, obj, hdf.DatasetOptions{Refs: h.cfg.Refs, TableMemo: true})
	if err != nil {
		return nil, permanent(err)
	}
	return ds, nil
}

// validatePrefix checks a result key prefix: a relative key (no leading "/", no empty, "." or
// ".." elements); one trailing "/" is allowed.
func validatePrefix(p string) error {
	if err := store.ValidateKey(strings.TrimSuffix(p, "/")); err != nil {
		return err
	}
	return nil
}

// validJobID reports whether a job id is one safe key element: 1 to 128 ASCII letters, digits,
// '.', '-', '_', not "." or "..".
func validJobID(job string) bool {
	if job == "" || len(job) > 128 || job == "." || job == ".." {
		return false
	}
	for i := 0; i < len(job); i++ {
		c := job[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// spillLocation is where a task's spilled partial goes: the worker's output bucket (ResultBucket,
// else the task's bucket) and a key prefix "<result prefix>/<job>/" below the worker's result
// prefix. A task naming anything else fails permanently, before any work is done.
func (h *Handler) spillLocation(t *Task, bucket string) (string, string, error) {
	out := h.cfg.ResultBucket
	if out == "" {
		out = bucket
	}
	if t.ResultBucket != "" && t.ResultBucket != out {
		return "", "", permanent(fmt.Errorf("task result bucket %q is not allowed: this worker writes partials to bucket %s (HSFAN_RESULT_BUCKET)", t.ResultBucket, out))
	}
	base := strings.TrimSuffix(h.cfg.ResultPrefix, "/")
	if base == "" {
		base = DefaultResultPrefix
	}
	prefix := base
	if t.ResultPrefix != "" {
		if err := validatePrefix(t.ResultPrefix); err != nil {
			return "", "", permanent(fmt.Errorf("task result prefix %q: %w", t.ResultPrefix, err))
		}
		prefix = strings.TrimSuffix(t.ResultPrefix, "/")
		if prefix != base && !strings.HasPrefix(prefix, base+"/") {
			return "", "", permanent(fmt.Errorf("task result prefix %q is not allowed: this worker writes partials below %s/ (HSFAN_RESULT_PREFIX)", t.ResultPrefix, base))
		}
	}
	job := t.Job
	if job == "" {
		job = "job"
	}
	if !validJobID(job) {
		return "", "", permanent(fmt.Errorf("task job id %q: want 1 to 128 of [A-Za-z0-9._-], not . or .. (it names the result prefix)", t.Job))
	}
	return out, prefix + "/" + job + "/", nil
}

// classify marks an error permanent when retrying cannot help (see isPermanent), retryable
// otherwise; a *Error keeps its decision.
func classify(err error) error {
	var we *Error
	if errors.As(err, &we) {
		return err
	}
	if isPermanent(err) {
		return permanent(err)
	}
	return retryable(err)
}
