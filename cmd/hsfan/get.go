package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
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
	data, _, err := ds.Read(ctx, s, 0)
	if err != nil {
		return err
	}
	w := stdout
	var file *os.File
	if *out != "" && *out != "-" {
		if file, err = os.Create(*out); err != nil {
			return err
		}
		w = file
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	err = writeValues(bw, *format, ds.Type, s.Shape(), data)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if file != nil {
		if cerr := file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func writeValues(w io.Writer, format string, t *h5type.Type, shape []int, data []byte) error {
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
	return writeCSV(w, v, shape)
}

// writeCSV writes rank 0/1 one value per line, rank 2 one row per line, higher ranks one element
// per line preceded by its indices.
func writeCSV(w io.Writer, v any, shape []int) error {
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
