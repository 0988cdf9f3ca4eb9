package hdf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// Store consistency checks (issue 9, class 7): what interrupted or racing operations leave
// behind. A domain DELETE removes .domain.json first, so one killed half-way leaves objects that
// no domain references; a dataset DELETE racing writes may leave chunks whose .dataset.json is
// gone; a process killed mid-write leaves a temporary file (POSIX stores).

// FsckOptions configure Fsck.
type FsckOptions struct {
	// MinAge: only objects and temporary files last modified longer ago are reported (or
	// removed), so that creations and writes in flight are never touched. Zero judges all.
	MinAge time.Duration
	// Repair removes what is reported (a dry run otherwise).
	Repair bool
}

// FsckReport is what Fsck found. Keys are object keys of the bucket; temporary files are paths
// relative to the store root.
type FsckReport struct {
	// Objects is the number of objects scanned; Domains the domains (and folders) among them.
	Objects, Domains int
	// StaleTemps are temporary files of interrupted writes.
	StaleTemps []string
	// OrphanChunks are chunks of datasets whose .dataset.json no longer exists.
	OrphanChunks []string
	// OrphanObjects are objects under db/<root>/ that no domain references.
	OrphanObjects []string
	// Unreadable are .domain.json keys that could not be read or parsed; while any exists,
	// orphan objects are not judged (the unreadable domain might reference them).
	Unreadable []string
	// Removed counts the objects and files removed by a repair.
	Removed int
}

// Problems returns the number of stale or orphan items found.
func (r *FsckReport) Problems() int {
	return len(r.StaleTemps) + len(r.OrphanChunks) + len(r.OrphanObjects)
}

// tempSweeper is a store keeping temporary files (store.Posix).
type tempSweeper interface {
	SweepTemps(ctx context.Context, bucket string, olderThan time.Duration, remove bool) ([]string, error)
}

// Fsck checks bucket of st for stale temporary files, orphan chunks and orphan objects, and with
// opts.Repair removes them. Anything a domain or dataset references is never removed: an orphan
// is re-checked just before it is deleted.
func Fsck(ctx context.Context, st store.Store, bucket string, opts FsckOptions) (*FsckReport, error) {
	rep := &FsckReport{}
	if ts, ok := st.(tempSweeper); ok {
		temps, err := ts.SweepTemps(ctx, bucket, opts.MinAge, opts.Repair)
		rep.StaleTemps = temps
		if opts.Repair {
			rep.Removed += len(temps)
		}
		if err != nil {
			return rep, fmt.Errorf("fsck %s: %w", bucket, err)
		}
	}
	cutoff := time.Now().Add(-opts.MinAge)
	referenced := map[string]bool{} // db/<A>/ prefixes of domain roots
	datasets := map[string]bool{}   // db/<A>/d/<B>/ prefixes holding a .dataset.json
	type obj struct {
		key string
		old bool
	}
	var dbKeys []obj
	var domainKeys []string
	err := st.List(ctx, bucket, "", "", func(e store.Entry) error {
		rep.Objects++
		if strings.HasPrefix(e.Key, "db/") {
			if strings.HasSuffix(e.Key, "/.dataset.json") {
				datasets[strings.TrimSuffix(e.Key, ".dataset.json")] = true
			}
			dbKeys = append(dbKeys, obj{e.Key, e.LastModified.Before(cutoff)})
		} else if e.Key == ".domain.json" || strings.HasSuffix(e.Key, "/.domain.json") {
			domainKeys = append(domainKeys, e.Key)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("fsck %s: list: %w", bucket, err)
	}
	for _, k := range domainKeys {
		rep.Domains++
		root, err := domainRoot(ctx, st, bucket, k)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			rep.Unreadable = append(rep.Unreadable, k)
			continue
		}
		if root != "" {
			referenced[schema.RootPrefix(root)] = true
		}
	}
	for _, o := range dbKeys {
		if !o.old {
			continue
		}
		root := rootPrefixOf(o.key)
		if !referenced[root] {
			if len(rep.Unreadable) == 0 {
				rep.OrphanObjects = append(rep.OrphanObjects, o.key)
			}
			continue
		}
		if id, _, _, err := schema.ParseChunkKey(o.key); err == nil && !datasets[schema.DatasetPrefix(id)] {
			rep.OrphanChunks = append(rep.OrphanChunks, o.key)
		}
	}
	if !opts.Repair {
		return rep, nil
	}
	for _, k := range rep.OrphanChunks {
		// Re-check: never remove a chunk whose dataset exists.
		id, _, _, _ := schema.ParseChunkKey(k)
		if _, err := st.Stat(ctx, bucket, schema.DatasetPrefix(id)+".dataset.json"); !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				return rep, fmt.Errorf("fsck %s: %w", bucket, err)
			}
			continue
		}
		if err := st.Delete(ctx, bucket, k); err != nil {
			return rep, fmt.Errorf("fsck %s: remove %s: %w", bucket, k, err)
		}
		rep.Removed++
	}
	if len(rep.OrphanObjects) > 0 {
		// Re-check: a domain created since the listing might reference one of these roots.
		again, err := referencedRoots(ctx, st, bucket)
		if err != nil {
			return rep, err
		}
		for _, k := range rep.OrphanObjects {
			if again[rootPrefixOf(k)] {
				continue
			}
			if err := st.Delete(ctx, bucket, k); err != nil {
				return rep, fmt.Errorf("fsck %s: remove %s: %w", bucket, k, err)
			}
			rep.Removed++
		}
	}
	return rep, nil
}

// rootPrefixOf returns "db/<A>/" of a key under db/.
func rootPrefixOf(key string) string {
	rest := strings.TrimPrefix(key, "db/")
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return "db/" + rest[:i+1]
	}
	return key
}

// domainRoot reads the root group id of the domain JSON at key ("" for a folder).
func domainRoot(ctx context.Context, st store.Store, bucket, key string) (string, error) {
	raw, _, err := st.Get(ctx, bucket, key)
	if err != nil {
		return "", err
	}
	var d struct {
		Root string `json:"root"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return "", fmt.Errorf("domain %s: %w", key, err)
	}
	return d.Root, nil
}

// referencedRoots lists the db/<A>/ prefixes the domains of bucket reference; an unreadable
// domain is an error (nothing may be removed then).
func referencedRoots(ctx context.Context, st store.Store, bucket string) (map[string]bool, error) {
	var keys []string
	err := st.List(ctx, bucket, "", "", func(e store.Entry) error {
		if !strings.HasPrefix(e.Key, "db/") && (e.Key == ".domain.json" || strings.HasSuffix(e.Key, "/.domain.json")) {
			keys = append(keys, e.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fsck %s: list: %w", bucket, err)
	}
	out := map[string]bool{}
	for _, k := range keys {
		root, err := domainRoot(ctx, st, bucket, k)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("fsck %s: %w", bucket, err)
		}
		if root != "" {
			out[schema.RootPrefix(root)] = true
		}
	}
	return out, nil
}
