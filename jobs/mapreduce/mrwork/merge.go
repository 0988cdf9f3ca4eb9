package mrwork

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/worker"
)

// runReader streams the records of one run object in ranged reads.
type runReader struct {
	rr         RangeReader
	bucket     string
	obj        Object
	block      int
	off        int64 // object offset of the next read
	buf        []byte
	i          int
	key, value []byte
	pre        uint64 // prefix8 of key
	records    int64
	reads      int64
}

func (r *runReader) fill(ctx context.Context) error {
	n := min(int64(r.block), r.obj.Size-r.off)
	b, err := r.rr.GetRange(ctx, r.bucket, r.obj.Key, r.off, n)
	if err != nil {
		return fmt.Errorf("read run %s: %w", r.obj.Key, err)
	}
	if int64(len(b)) != n {
		return fmt.Errorf("read run %s [%d,%d): got %d bytes: the object is not the committed one of %d bytes", r.obj.Key, r.off, r.off+n, len(b), r.obj.Size)
	}
	r.reads++
	r.off += n
	rest := r.buf[r.i:]
	if len(rest) == 0 {
		r.buf = b
	} else {
		nb := make([]byte, 0, len(rest)+len(b))
		r.buf = append(append(nb, rest...), b...)
	}
	r.i = 0
	return nil
}

// next advances to the next record; false at the end.
func (r *runReader) next(ctx context.Context) (bool, error) {
	for {
		b := r.buf[r.i:]
		if k, kn := binary.Uvarint(b); kn > 0 && uint64(len(b)-kn) >= k {
			rest := b[kn+int(k):]
			if v, vn := binary.Uvarint(rest); vn > 0 && uint64(len(rest)-vn) >= v {
				r.key = b[kn : kn+int(k)]
				r.pre = prefix8(r.key)
				r.value = rest[vn : vn+int(v)]
				r.i += kn + int(k) + vn + int(v)
				r.records++
				return true, nil
			}
		}
		if r.off >= r.obj.Size {
			if len(b) != 0 {
				return false, fmt.Errorf("run %s: %d bytes of a truncated record at its end", r.obj.Key, len(b))
			}
			if r.obj.Records > 0 && r.records != r.obj.Records {
				return false, fmt.Errorf("run %s: %d records, the map task wrote %d", r.obj.Key, r.records, r.obj.Records)
			}
			return false, nil
		}
		if err := r.fill(ctx); err != nil {
			return false, err
		}
	}
}

func (r *runReader) open(ctx context.Context) (bool, error) {
	if r.obj.Size < int64(len(runMagic)) {
		return false, fmt.Errorf("run %s: %d bytes, shorter than its header", r.obj.Key, r.obj.Size)
	}
	for len(r.buf) < len(runMagic) {
		if err := r.fill(ctx); err != nil {
			return false, err
		}
	}
	if !bytes.HasPrefix(r.buf, []byte(runMagic)) {
		return false, fmt.Errorf("run %s: not an hsfan map-reduce run", r.obj.Key)
	}
	r.i = len(runMagic)
	return r.next(ctx)
}

// runHeap is a min-heap of run readers by their current key. Its moves are those of
// container/heap (Init, Fix of the top, Pop) with the same strict order, so that equal keys
// of different runs come out in the same order as they did through container/heap; the order
// is settled by the keys' 8-byte prefixes first (runReader.pre), without an interface call.
type runHeap []*runReader

// keyLess orders readers by key: prefixes compare like the keys unless equal (prefix8).
func keyLess(a, b *runReader) bool {
	if a.pre != b.pre {
		return a.pre < b.pre
	}
	return bytes.Compare(a.key, b.key) < 0
}

// init orders the heap (container/heap.Init).
func (h runHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// down moves h[i] down to its place (container/heap's down).
func (h runHeap) down(i int) {
	n := len(h)
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1
		if j2 := j1 + 1; j2 < n && keyLess(h[j2], h[j1]) {
			j = j2
		}
		if !keyLess(h[j], h[i]) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// pop removes the top (container/heap.Pop).
func (h *runHeap) pop() {
	old := *h
	n := len(old) - 1
	old[0], old[n] = old[n], old[0]
	*h = old[:n]
	h.down(0)
}

// MergeStats are the counters of a merge.
type MergeStats struct {
	Records, Reads, Bytes int64
}

// MergeRuns merges sorted run objects (read in ranged reads of block bytes) and calls fn once
// per key, in ascending byte order, with every value of the key (in run order). With combine
// set the values are folded into one first. key and values are valid during the call only.
// Memory: one block per run plus the values of one key.
func MergeRuns(ctx context.Context, rr RangeReader, bucket string, objs []Object, block int,
	combine func(dst, a, b []byte) ([]byte, error), fn func(key []byte, values [][]byte) error) (MergeStats, error) {
	if block <= 0 {
		block = 1 << 20
	}
	var st MergeStats
	h := make(runHeap, 0, len(objs))
	readers := make([]*runReader, 0, len(objs))
	for _, o := range objs {
		r := &runReader{rr: rr, bucket: bucket, obj: o, block: block}
		readers = append(readers, r)
		ok, err := r.open(ctx)
		if err != nil {
			return st, err
		}
		if ok {
			h = append(h, r)
		}
	}
	defer func() {
		for _, r := range readers {
			st.Records += r.records
			st.Reads += r.reads
			st.Bytes += r.off
		}
	}()
	h.init()
	var key, arena, folded, tmp []byte
	var offs []int
	var values [][]byte
	for len(h) > 0 {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		key = append(key[:0], h[0].key...)
		arena, offs = arena[:0], offs[:0]
		for len(h) > 0 && bytes.Equal(h[0].key, key) {
			r := h[0]
			if combine != nil && len(offs) > 0 {
				var err error
				tmp, err = combine(tmp[:0], folded, r.value)
				if err != nil {
					return st, fmt.Errorf("combine key %q: %w", key, err)
				}
				folded = append(folded[:0], tmp...)
			} else if combine != nil {
				folded = append(folded[:0], r.value...)
				offs = append(offs, 0)
			} else {
				offs = append(offs, len(arena))
				arena = append(arena, r.value...)
			}
			ok, err := r.next(ctx)
			if err != nil {
				return st, err
			}
			if ok {
				h.down(0) // container/heap.Fix of the top
			} else {
				h.pop()
			}
		}
		values = values[:0]
		if combine != nil {
			values = append(values, folded)
		} else {
			for i, o := range offs {
				end := len(arena)
				if i+1 < len(offs) {
					end = offs[i+1]
				}
				values = append(values, arena[o:end])
			}
		}
		if err := fn(key, values); err != nil {
			return st, err
		}
	}
	return st, nil
}

// RunReduce runs a reduce task: merges its committed runs, calls Reduce per key and writes the
// rows, sorted by key, as one row set below the attempt's prefix.
func RunReduce(ctx context.Context, f *Funcs, t *Task, tmp store.Store, bucket, prefix string) (*Result, error) {
	res := &Result{Phase: PhaseReduce, Index: t.Index, Attempt: t.Attempt}
	out := []byte(runMagic)
	if t.Lines {
		out = out[:0]
	}
	var rows int64
	var curKey []byte
	w := &RowWriter{cols: f.Columns, emit: func(row []byte) error {
		rows++
		if t.Lines {
			var err error
			out, err = appendLine(out, row, f.Columns)
			return err
		}
		out = binary.AppendUvarint(out, uint64(len(curKey)))
		out = append(out, curKey...)
		out = binary.AppendUvarint(out, uint64(len(row)))
		out = append(out, row...)
		return nil
	}}
	st, err := MergeRuns(ctx, tmp, bucket, t.Runs, t.BlockBytes, f.Combine, func(key []byte, values [][]byte) error {
		curKey = key
		if err := f.Reduce(key, values, w); err != nil {
			return &worker.Error{Err: fmt.Errorf("reduce key %q: %w", key, err)}
		}
		return nil
	})
	res.RecordsIn, res.Gets, res.BytesRead = st.Records, st.Reads, st.Bytes
	if err != nil {
		return nil, err
	}
	key := AttemptPrefix(prefix, PhaseReduce, t.Index, t.Attempt) + "rows"
	if _, err := tmp.Put(ctx, bucket, key, out, store.PutOptions{}); err != nil {
		return nil, fmt.Errorf("write rows %s: %w", key, err)
	}
	res.Objects = []Object{{Key: key, Size: int64(len(out)), Records: rows, Partition: t.Partition}}
	if t.Lines {
		res.Objects[0].Records = 0 // lines, not records of a run
	}
	res.RowsOut = rows
	res.BytesWritten = int64(len(out))
	return res, nil
}

// appendLine appends an encoded row as one line of tab-separated fields.
func appendLine(dst, row []byte, cols []ColumnSpec) ([]byte, error) {
	var bad error
	err := DecodeRowFunc(row, cols, func(i int, s []byte, n int64, f float64) {
		if i > 0 {
			dst = append(dst, '\t')
		}
		switch cols[i].Kind {
		case String:
			if bytes.ContainsAny(s, "\t\n\r") {
				bad = fmt.Errorf("column %s: %q holds a tab or line end", cols[i].Name, s)
			}
			dst = append(dst, s...)
		case Int64:
			dst = strconv.AppendInt(dst, n, 10)
		case Float64:
			dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
		}
	})
	if err == nil {
		err = bad
	}
	return append(dst, '\n'), err
}
