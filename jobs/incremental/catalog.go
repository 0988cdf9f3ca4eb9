package incremental

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/output"
)

// CatalogFormat is the version of catalog.json's layout.
const CatalogFormat = 1

// Location is where a job's catalog and table versions live.
type Location struct {
	Bucket, Prefix string
}

func (l Location) catalogKey() string { return path.Join(l.Prefix, "catalog.json") }

// Catalog is the pointer object: the current table version and what each of its steps was
// computed from.
type Catalog struct {
	Format int    `json:"format"`
	Name   string `json:"name"`
	// Config is the digest of everything but the chunks that the values depend on.
	Config string `json:"config"`
	// Version counts the commits; RunID is the run that made the last one.
	Version int64  `json:"version"`
	RunID   string `json:"run_id"`
	// Table is the key of the current table object; Previous the one it replaced (kept for
	// readers that read the catalog before the swap; the one before it is deleted).
	Table    string `json:"table"`
	Previous string `json:"previous,omitempty"`
	// Window are the resolved bounds of the last run; Steps the table's steps in axis order.
	Window string `json:"window"`
	Steps  []Step `json:"steps"`
	// Pending counts the window's steps not computed yet (a run stopped before its deadline); a
	// later run computes them.
	Pending int       `json:"pending"`
	Updated time.Time `json:"updated"`
}

// Step is one time step of the table.
type Step struct {
	// Time is the step's date-time (cf.DateTime.String, UTC) and Value its coordinate value.
	Time  string  `json:"time"`
	Value float64 `json:"value"`
	// Input is the step's input version (see the package doc); Rows its rows in the table.
	Input string `json:"input"`
	Rows  int    `json:"rows"`
}

// LastStep is the time of the last step of a complete catalog (nil when there is none or
// steps are pending): "not yet computed" windows start after it.
func (c *Catalog) LastStep() string {
	if c == nil || len(c.Steps) == 0 {
		return ""
	}
	return c.Steps[len(c.Steps)-1].Time
}

// storedTable is the gob form of a table version: column kinds are explicit because gob decodes
// an empty slice as nil.
type storedTable struct {
	Columns []storedColumn
	Meta    []byte // JSON
}

type storedColumn struct {
	Name    string
	Kind    output.ColumnKind
	Float64 []float64
	Int64   []int64
	String  []string
}

func encodeTable(t output.Table) ([]byte, error) {
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return nil, fmt.Errorf("encode table meta: %w", err)
	}
	st := storedTable{Meta: meta}
	for _, c := range t.Columns {
		st.Columns = append(st.Columns, storedColumn{c.Name, c.Kind(), c.Float64, c.Int64, c.String})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(st); err != nil {
		return nil, fmt.Errorf("encode table: %w", err)
	}
	return b.Bytes(), nil
}

func decodeTable(data []byte) (output.Table, error) {
	var st storedTable
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return output.Table{}, fmt.Errorf("decode table: %w", err)
	}
	t := output.Table{}
	if len(st.Meta) > 0 {
		if err := json.Unmarshal(st.Meta, &t.Meta); err != nil {
			return output.Table{}, fmt.Errorf("decode table meta: %w", err)
		}
	}
	for _, c := range st.Columns {
		col := output.Column{Name: c.Name}
		switch c.Kind {
		case output.KindFloat64:
			col.Float64 = append(make([]float64, 0, len(c.Float64)), c.Float64...)
		case output.KindInt64:
			col.Int64 = append(make([]int64, 0, len(c.Int64)), c.Int64...)
		case output.KindString:
			col.String = append(make([]string, 0, len(c.String)), c.String...)
		default:
			return output.Table{}, fmt.Errorf("decode table: column %q of kind %v", c.Name, c.Kind)
		}
		t.Columns = append(t.Columns, col)
	}
	return t, nil
}

// loadCatalog reads the catalog and its ETag (nil, "" when there is none yet).
func loadCatalog(ctx context.Context, st store.Store, loc Location) (*Catalog, string, error) {
	data, info, err := st.Get(ctx, loc.Bucket, loc.catalogKey())
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read catalog %s: %w", loc.catalogKey(), err)
	}
	var c Catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, "", fmt.Errorf("catalog %s: %w", loc.catalogKey(), err)
	}
	if c.Format != CatalogFormat {
		return nil, "", fmt.Errorf("catalog %s: format %d, this hsfan reads %d", loc.catalogKey(), c.Format, CatalogFormat)
	}
	return &c, info.ETag, nil
}

// Read returns the current catalog and table (a nil catalog when the job never committed).
func Read(ctx context.Context, st store.Store, loc Location) (*Catalog, output.Table, error) {
	c, _, err := loadCatalog(ctx, st, loc)
	if err != nil || c == nil {
		return c, output.Table{}, err
	}
	t, err := readTable(ctx, st, loc.Bucket, c.Table)
	return c, t, err
}

func readTable(ctx context.Context, st store.Store, bucket, key string) (output.Table, error) {
	data, _, err := st.Get(ctx, bucket, key)
	if err != nil {
		return output.Table{}, fmt.Errorf("read table %s: %w", key, err)
	}
	return decodeTable(data)
}

// ErrConflict is a catalog that another run changed while this one computed.
var ErrConflict = errors.New("the catalog changed during the run (another run of this spec?)")

// commit writes the table version, then swaps the catalog to it (IfMatch the ETag read, or
// IfNoneMatch for the first commit); on a failed swap the new table object is deleted and the
// old catalog and table stay as they were. It returns the new catalog's ETag.
func commit(ctx context.Context, st store.Store, loc Location, c *Catalog, etag string, t output.Table) (string, error) {
	data, err := encodeTable(t)
	if err != nil {
		return "", err
	}
	if _, err := st.Put(ctx, loc.Bucket, c.Table, data, store.PutOptions{IfNoneMatch: true}); err != nil {
		return "", fmt.Errorf("write table version %s: %w", c.Table, err)
	}
	cj, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return "", fmt.Errorf("encode catalog: %w", err)
	}
	opts := store.PutOptions{IfMatch: etag}
	if etag == "" {
		opts = store.PutOptions{IfNoneMatch: true}
	}
	info, err := st.Put(ctx, loc.Bucket, loc.catalogKey(), cj, opts)
	if err != nil {
		// The new table version is garbage unless the put landed after all (a request cancelled
		// in flight may have): delete it only when the catalog does not point at it. The
		// context may be cancelled: use a fresh one.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cur, _, rerr := loadCatalog(dctx, st, loc); rerr == nil && (cur == nil || cur.Table != c.Table) {
			_ = st.Delete(dctx, loc.Bucket, c.Table)
		}
		if errors.Is(err, store.ErrPreconditionFailed) {
			return "", fmt.Errorf("swap catalog %s: %w", loc.catalogKey(), ErrConflict)
		}
		return "", fmt.Errorf("swap catalog %s: %w", loc.catalogKey(), err)
	}
	return info.ETag, nil
}
