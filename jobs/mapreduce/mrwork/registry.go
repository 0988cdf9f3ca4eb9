package mrwork

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
)

// ColumnKind is the type of an output column.
type ColumnKind int

// Column kinds; they map to output.KindString, KindInt64 and KindFloat64.
const (
	String ColumnKind = iota + 1
	Int64
	Float64
)

// ColumnSpec names one output column of a job.
type ColumnSpec struct {
	Name string
	Kind ColumnKind
}

// Funcs are a job's functions for one set of parameter values. They are called from several
// goroutines at once (one per task) and must not keep the byte slices they are given.
type Funcs struct {
	// Map is called once per record (a line without its line ending; empty lines are skipped)
	// and emits key/value pairs through out. An error fails the task permanently, naming the
	// record's byte offset.
	Map func(record []byte, out *Emitter) error
	// Combine, if set, appends to dst the value that merges a and b (associative and
	// commutative: the map side and the reduce side fold values in any order). Reduce then
	// receives one value per key.
	Combine func(dst, a, b []byte) ([]byte, error)
	// Reduce is called once per key, keys in ascending byte order, with every value of the key
	// (one value when Combine is set) and writes zero or more rows through out.
	Reduce func(key []byte, values [][]byte, out *RowWriter) error
	// Columns are the output columns, in the order Reduce writes them.
	Columns []ColumnSpec
}

// Definition is a named job: its parameters (name -> default) and the constructor of its
// functions for given parameter values.
type Definition struct {
	Name string
	// Doc is one line for the help.
	Doc string
	// Params are the job's parameters and their defaults; New gets every one of them.
	Params map[string]string
	// New validates the parameter values and returns the functions.
	New func(params map[string]string) (*Funcs, error)
	// Next, if set, names the job that reads this job's rows as its input (a second shuffle,
	// e.g. a join and then a grouping): the reducers write their rows as lines of
	// tab-separated fields (strings must not hold tabs or newlines) under the run's prefix,
	// and the driver runs Next over them with the same parameters.
	Next string
	// Top, if set, orders the rows by column (an int64 or float64 column), largest first, ties
	// in key order, and keeps the first limit rows for the given parameters; limit 0 keeps every
	// row, in that order.
	Top func(params map[string]string) (column string, limit int)
}

var (
	regMu    sync.RWMutex
	registry = map[string]Definition{}
)

// Register adds a job. Names are unique; a job must be registered in the driver and in the
// worker binary alike (as corral does: one binary plays both roles), typically from an init
// function or main before the job runs.
func Register(d Definition) error {
	if d.Name == "" || d.New == nil {
		return errors.New("register map-reduce job: a name and New are required")
	}
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[d.Name]; dup {
		return fmt.Errorf("register map-reduce job %q: already registered", d.Name)
	}
	registry[d.Name] = d
	return nil
}

// Lookup returns the registered job of that name.
func Lookup(name string) (Definition, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	d, ok := registry[name]
	return d, ok
}

// Names lists the registered jobs, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Instantiate looks a job up and builds its functions for params (unknown parameter names are
// an error naming the known ones; missing ones take their defaults). It returns the complete
// parameter map used.
func Instantiate(name string, params map[string]string) (*Funcs, map[string]string, error) {
	d, ok := Lookup(name)
	if !ok {
		return nil, nil, fmt.Errorf("unknown map-reduce job %q: want one of %v", name, Names())
	}
	full := make(map[string]string, len(d.Params))
	for k, v := range d.Params {
		full[k] = v
	}
	for k, v := range params {
		if _, ok := d.Params[k]; !ok {
			known := make([]string, 0, len(d.Params))
			for n := range d.Params {
				known = append(known, n)
			}
			slices.Sort(known)
			return nil, nil, fmt.Errorf("job %s: unknown parameter %q (known: %v)", name, k, known)
		}
		full[k] = v
	}
	f, err := d.New(full)
	if err != nil {
		return nil, nil, fmt.Errorf("job %s: %w", name, err)
	}
	if f.Map == nil || f.Reduce == nil || len(f.Columns) == 0 {
		return nil, nil, fmt.Errorf("job %s: Map, Reduce and Columns are required", name)
	}
	return f, full, nil
}

// RowWriter collects the rows Reduce writes: one value per column, in column order, then
// EndRow. Values are copied.
type RowWriter struct {
	cols []ColumnSpec
	buf  []byte // encoded fields of the row being written
	col  int
	err  error
	emit func(row []byte) error
}

func (w *RowWriter) next(k ColumnKind) bool {
	if w.err != nil {
		return false
	}
	if w.col >= len(w.cols) {
		w.err = fmt.Errorf("row has more than %d columns", len(w.cols))
		return false
	}
	if w.cols[w.col].Kind != k {
		w.err = fmt.Errorf("column %q is not a %s", w.cols[w.col].Name, kindName(k))
		return false
	}
	w.col++
	return true
}

func kindName(k ColumnKind) string {
	switch k {
	case String:
		return "string"
	case Int64:
		return "int64"
	case Float64:
		return "float64"
	}
	return "invalid"
}

// String writes a string column's value.
func (w *RowWriter) String(b []byte) {
	if w.next(String) {
		w.buf = appendBytes(w.buf, b)
	}
}

// Int64 writes an int64 column's value.
func (w *RowWriter) Int64(v int64) {
	if w.next(Int64) {
		w.buf = appendVarint(w.buf, v)
	}
}

// Float64 writes a float64 column's value.
func (w *RowWriter) Float64(v float64) {
	if w.next(Float64) {
		w.buf = appendUint64(w.buf, math.Float64bits(v))
	}
}

// EndRow ends the row; it fails when a column is missing or a value had the wrong kind.
func (w *RowWriter) EndRow() error {
	if w.err == nil && w.col != len(w.cols) {
		w.err = fmt.Errorf("row has %d of %d columns", w.col, len(w.cols))
	}
	if w.err != nil {
		return w.err
	}
	err := w.emit(w.buf)
	w.buf, w.col = w.buf[:0], 0
	return err
}
