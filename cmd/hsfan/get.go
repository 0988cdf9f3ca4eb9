package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
)

const getUsage = `Usage: hsfan get --domain D --dataset /path [--select S] [--format bin|json|csv] [-o FILE]

Reads a selection of a dataset: bin writes the raw C-order bytes (as HSDS's octet-stream
responses), json writes {"shape": [...], "value": nested lists}, csv one line per row (rank <= 2)
or per element with its indices (rank > 2).

Examples:
  hsfan get --domain /shared/sst/mur25.h5 --dataset /lat --format csv
  hsfan get --domain /shared/sst/mur25.h5 --dataset /analysed_sst --select '[0:10,360,720]' --format json

Flags:
`

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, getUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path (required)")
	dataset := fs.String("dataset", "", "dataset h5path, e.g. /analysed_sst (required)")
	sel := fs.String("select", "", "selection, e.g. [0:10,5,::2] (default: everything)")
	format := fs.String("format", "json", "bin, json or csv")
	out := fs.String("o", "", "output file (default stdout)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %v", pos)
	}
	if *domain == "" || *dataset == "" {
		return usagef("--domain and --dataset are required")
	}
	if *format != "bin" && *format != "json" && *format != "csv" {
		return usagef("--format %q: want bin, json or csv", *format)
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	f, err := hdf.Open(ctx, st, sf.bucket, *domain)
	if err != nil {
		return err
	}
	ds, err := f.OpenDatasetPath(ctx, *dataset)
	if err != nil {
		return err
	}
	var s *selection.Selection
	if *sel == "" {
		s = selection.All(ds.Dims)
	} else if s, err = selection.Parse(*sel, ds.Dims); err != nil {
		return usagef("--select: %v", err)
	}
	if *format == "json" && s.Count()*int64(ds.ItemSize) > maxJSONBytes {
		return fmt.Errorf("selection %s is %d bytes: too large for --format json (limit %d); use bin or csv, which stream", s, s.Count()*int64(ds.ItemSize), maxJSONBytes)
	}
	return writeOutput(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := writePages(ctx, bw, *format, ds, s); err != nil {
			return err
		}
		return bw.Flush()
	}, stdout)
}

// maxJSONBytes bounds --format json, which builds the nested value in memory.
const maxJSONBytes = 256 << 20

// pageBytes is the size of the slabs bin and csv output is read in (a variable for tests).
var pageBytes int64 = 64 << 20

// writePages reads the selection in slabs along its first dimension and writes each one, so that
// bin and csv output of any size runs in bounded memory.
func writePages(ctx context.Context, w io.Writer, format string, ds *hdf.Dataset, s *selection.Selection) error {
	shape := s.Shape()
	if format == "json" || len(shape) == 0 {
		data, _, err := ds.Read(ctx, s, 0)
		if err != nil {
			return err
		}
		return writeValues(w, format, ds.Type, shape, data, 0)
	}
	row := int64(ds.ItemSize)
	for _, n := range shape[1:] {
		row *= int64(n)
	}
	per := max(1, int(pageBytes/max(row, 1)))
	for first := 0; first < shape[0]; first += per {
		page, err := pageSelection(s, ds.Dims, first, min(first+per, shape[0]))
		if err != nil {
			return err
		}
		data, _, err := ds.Read(ctx, page, 0)
		if err != nil {
			return err
		}
		if err := writeValues(w, format, ds.Type, page.Shape(), data, first); err != nil {
			return err
		}
	}
	return nil
}

// pageSelection is rows [from, to) (in selection coordinates) of s.
func pageSelection(s *selection.Selection, dims []int, from, to int) (*selection.Selection, error) {
	parts := make([]string, len(dims))
	for d := range dims {
		dim := s.Dim(d)
		lo, hi := 0, dim.Count()
		if d == 0 {
			lo, hi = from, to
		}
		if dim.IsList() {
			idx := make([]string, 0, hi-lo)
			for k := lo; k < hi; k++ {
				idx = append(idx, fmt.Sprint(dim.Index(k)))
			}
			parts[d] = "[" + strings.Join(idx, ",") + "]"
			continue
		}
		parts[d] = fmt.Sprintf("%d:%d:%d", dim.Index(lo), dim.Index(hi-1)+1, dim.Step)
	}
	return selection.Parse("["+strings.Join(parts, ",")+"]", dims)
}

// writeOutput writes to stdout, or to path atomically (a temporary file renamed into place, so a
// failed read leaves no partial file).
func writeOutput(path string, fn func(io.Writer) error, stdout io.Writer) error {
	if path == "" || path == "-" {
		return fn(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	err = fn(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// writeValues writes one page; first is the selection index of its first row (csv indices).
func writeValues(w io.Writer, format string, t *h5type.Type, shape []int, data []byte, first int) error {
	if format == "bin" {
		_, err := w.Write(data)
		return err
	}
	v, err := t.DecodeValue(data, shape)
	if err != nil {
		return err
	}
	if format == "json" {
		b, err := h5type.MarshalValueJSON(v, false)
		if err != nil {
			return err
		}
		sh, _ := json.Marshal(shape)
		_, err = fmt.Fprintf(w, "{\"shape\": %s, \"value\": %s}\n", sh, b)
		return err
	}
	return writeCSV(w, v, shape, first)
}

// writeCSV writes rank 0/1 one value per line, rank 2 one row per line, higher ranks one element
// per line preceded by its indices.
func writeCSV(w io.Writer, v any, shape []int, first int) error {
	cell := func(x any) string {
		b, err := h5type.MarshalValueJSON(x, false)
		if err != nil {
			return "?"
		}
		return strings.Trim(string(b), `"`)
	}
	switch len(shape) {
	case 0:
		_, err := fmt.Fprintln(w, cell(v))
		return err
	case 1, 2:
		rows, _ := v.([]any)
		for _, r := range rows {
			if len(shape) == 1 {
				if _, err := fmt.Fprintln(w, cell(r)); err != nil {
					return err
				}
				continue
			}
			cols, _ := r.([]any)
			parts := make([]string, len(cols))
			for i, c := range cols {
				parts[i] = cell(c)
			}
			if _, err := fmt.Fprintln(w, strings.Join(parts, ",")); err != nil {
				return err
			}
		}
		return nil
	}
	idx := make([]string, 0, len(shape))
	var walk func(x any, depth int) error
	walk = func(x any, depth int) error {
		if depth == len(shape) {
			_, err := fmt.Fprintf(w, "%s,%s\n", strings.Join(idx, ","), cell(x))
			return err
		}
		for i, c := range x.([]any) {
			if depth == 0 {
				i += first
			}
			idx = append(idx, fmt.Sprint(i))
			if err := walk(c, depth+1); err != nil {
				return err
			}
			idx = idx[:len(idx)-1]
		}
		return nil
	}
	return walk(v, 0)
}
