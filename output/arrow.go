package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// ArrowMetaKey is the schema metadata key holding the table's Meta as JSON.
const ArrowMetaKey = "hsfan.meta"

// WriteArrow writes t as an Arrow IPC file (one record batch) to w. Columns
// become float64, int64 and utf8 fields; non-finite floats are written as
// nulls, like the JSON output. The schema metadata holds t.Meta as JSON
// under ArrowMetaKey. mem allocates the Arrow buffers (nil: the Go
// allocator); every buffer is released before WriteArrow returns.
func WriteArrow(w io.Writer, t Table, mem memory.Allocator) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("write arrow: %w", err)
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return fmt.Errorf("write arrow: encode meta: %w", err)
	}
	fields := make([]arrow.Field, len(t.Columns))
	cols := make([]arrow.Array, 0, len(t.Columns))
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for i, c := range t.Columns {
		switch c.Kind() {
		case KindFloat64:
			fields[i] = arrow.Field{Name: c.Name, Type: arrow.PrimitiveTypes.Float64, Nullable: true}
			b := array.NewFloat64Builder(mem)
			b.Reserve(len(c.Float64))
			for _, v := range c.Float64 {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					b.AppendNull()
				} else {
					b.UnsafeAppend(v)
				}
			}
			cols = append(cols, b.NewArray())
			b.Release()
		case KindInt64:
			fields[i] = arrow.Field{Name: c.Name, Type: arrow.PrimitiveTypes.Int64}
			b := array.NewInt64Builder(mem)
			b.AppendValues(c.Int64, nil)
			cols = append(cols, b.NewArray())
			b.Release()
		case KindString:
			fields[i] = arrow.Field{Name: c.Name, Type: arrow.BinaryTypes.String}
			b := array.NewStringBuilder(mem)
			b.AppendValues(c.String, nil)
			cols = append(cols, b.NewArray())
			b.Release()
		}
	}
	md := arrow.NewMetadata([]string{ArrowMetaKey}, []string{string(meta)})
	schema := arrow.NewSchema(fields, &md)
	rec := array.NewRecord(schema, cols, int64(t.Rows()))
	defer rec.Release()

	fw, err := ipc.NewFileWriter(&seekWriter{w: w}, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	if err != nil {
		return fmt.Errorf("write arrow: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		_ = fw.Close()
		return fmt.Errorf("write arrow record: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("close arrow file: %w", err)
	}
	return nil
}

// seekWriter gives an io.Writer the one Seek the Arrow file writer uses
// (asking for the current position).
type seekWriter struct {
	w   io.Writer
	pos int64
}

func (s *seekWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.pos += int64(n)
	return n, err
}

func (s *seekWriter) Seek(offset int64, whence int) (int64, error) {
	if offset == 0 && whence == io.SeekCurrent {
		return s.pos, nil
	}
	return 0, errors.New("arrow output: seek not supported")
}
