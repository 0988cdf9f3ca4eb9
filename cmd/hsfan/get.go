package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/cf"
	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/ops"
)

const getUsage = `Usage: hsfan get --domain D --dataset /path [--select S] [--format bin|json|csv] [--decode] [-o FILE]

Reads a selection of a dataset: bin writes the raw C-order bytes (as HSDS's octet-stream
responses), json writes {"shape": [...], "value": nested lists}, csv one line per row (rank <= 2)
or per element with its indices (rank > 2), quoted as RFC 4180 requires.

Variable-length datasets (vlen strings, vlen sequences, compounds with vlen fields) are read too:
bin writes HSDS's wire form (per element a 4-byte little-endian byte count, then the bytes), json
and csv the values. An empty vlen string prints as "" and an empty sequence as [] (HSDS's GET
value returns 0 for both, a quirk hsfan get does not copy). In csv, a sequence or compound is one
cell holding its JSON text.

--decode CF-decodes the values as xarray.open_dataset does (package cf): _Unsigned, scale_factor,
add_offset, and _FillValue / missing_value / valid range masking (masked values are NaN; the
valid range as netCDF4-python applies it) give float64 values, written as float64 little-endian
bytes by bin; a time variable ("days since 1800-1-1", any CF calendar) gives ISO dates (json and
csv only), as cftime decodes them, NaN times as NaT.

A selection may pair several coordinate lists element by element, as numpy does:
'[:,[1,4,5],[2,8,6]]' on a (2,10,10) dataset has shape (2,3).

`

const getExamples = `  hsfan get --domain /shared/sst/mur25.h5 --dataset /lat --format csv
  hsfan get --domain /shared/sst/mur25.h5 --dataset /analysed_sst --select '[0:10,360,720]' --format json
  hsfan get --domain /shared/sst/mur25.h5 --dataset /analysed_sst --select '[0,[10,20],[30,40]]'
  hsfan get --domain /shared/sst/mur25.h5 --dataset /time --decode --format csv -o time.csv
`

var getGroups = []flagGroup{
	{"Input", []string{"domain", "dataset", "select", "decode"}},
	storeGroup,
	{"Output", []string{"format", "o", "header"}},
}

func runGet(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path (required)")
	dataset := fs.String("dataset", "", "dataset h5path, e.g. /analysed_sst (required)")
	sel := fs.String("select", "", "selection, e.g. [0:10,5,::2] (default: everything)")
	format := new(string)
	choiceVar(fs, format, "format", "json", []string{"bin", "json", "csv"}, "output format")
	out := fs.String("o", "", "output file (default stdout)")
	decode := fs.Bool("decode", false, "CF-decode the values (packing, fill values, _Unsigned, time coordinates to ISO dates)")
	pos, err := parseCommand(fs, args, helpDoc{getUsage, getGroups, getExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %v", pos)
	}
	if *domain == "" || *dataset == "" {
		return usagef("--domain and --dataset are required")
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	f, err := hdf.Open(ctx, st, sf.bucket, *domain)
	if err != nil {
		return err
	}
	src, err := openSource(ctx, f, *dataset)
	if err != nil {
		return err
	}
	if *decode {
		if err := src.decodeCF(*format); err != nil {
			return err
		}
	}
	var s *selection.Selection
	if *sel == "" {
		s = selection.All(src.dims)
	} else if s, err = selection.Parse(*sel, src.dims); err != nil {
		return usagef("--select %q on %s of shape %s: %v", *sel, *dataset, selection.ShapeText(src.dims), err)
	}
	if *format == "json" && s.Count() > maxJSONBytes/src.elemBytes {
		return fmt.Errorf("selection %s of %d elements is too large for --format json (limit %d bytes at %d bytes per element); use bin or csv, which stream",
			s, s.Count(), maxJSONBytes, src.elemBytes)
	}
	return writeOutput(*out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := writePages(ctx, bw, *format, src, s); err != nil {
			return err
		}
		return bw.Flush()
	}, stdout)
}

// maxJSONBytes bounds --format json, which builds the nested value in memory.
const maxJSONBytes = 256 << 20

// pageBytes is the size of the slabs bin and csv output is read in (a variable for tests).
var pageBytes int64 = 64 << 20

// vlenElemBytes is the size assumed per variable-length element for paging and the json limit
// (HSDS sizes vlen chunks at 128 bytes per element, dset_sn.POST_Dataset).
const vlenElemBytes = 128

// source reads selections of one dataset of a fixed-size or a variable-length type.
type source struct {
	typ       *h5type.Type
	dims      []int
	elemBytes int64 // item size, or vlenElemBytes
	// read returns the selected elements in C order: packed, or each in HSDS's length-prefixed
	// form for variable-length types (VlenDataset.Read).
	read func(context.Context, *selection.Selection) ([]byte, error)
	opts h5type.DecodeOptions
	// cf, when set (--decode), CF-decodes the values; timeUnits/calendar turn them into dates.
	cf                  *ops.CF
	timeUnits, calendar string
	obj                 *schema.Dataset
}

// decodeCF sets up --decode: numeric datasets only; time variables need a text format.
func (src *source) decodeCF(format string) error {
	if src.obj == nil || !src.typ.IsNumeric() {
		return fmt.Errorf("--decode: dataset of %s values: CF decoding applies to numbers only", src.typ.Class())
	}
	c, err := cf.Decoding(src.obj)
	if err != nil {
		return fmt.Errorf("--decode: %w", err)
	}
	src.cf = &c
	units, _ := cf.AttrString(src.obj, "units")
	if _, _, isTime := strings.Cut(units, " since "); isTime {
		if format == "bin" {
			return usagef("--decode: %q is a time variable; its dates need --format json or csv", units)
		}
		src.timeUnits = units
		src.calendar, _ = cf.AttrString(src.obj, "calendar")
		if _, err := cf.ParseCalendar(src.calendar); err != nil {
			return fmt.Errorf("--decode: %w", err)
		}
	}
	return nil
}

// decodeValues CF-decodes one page (see --decode): float64 values, or ISO dates for time.
func (src *source) decodeValues(data []byte) ([]float64, []string, error) {
	vals := make([]float64, len(data)/src.typ.Size())
	if err := cf.DecodeBytes(vals, data, src.typ, src.cf); err != nil {
		return nil, nil, err
	}
	if src.timeUnits == "" {
		return vals, nil, nil
	}
	labels, _, err := cf.TimeStrings(vals, src.timeUnits, src.calendar)
	if err != nil {
		return nil, nil, err
	}
	return vals, labels, nil
}

// openSource opens the dataset at h5path for reading, whatever its type.
func openSource(ctx context.Context, f *hdf.File, h5path string) (*source, error) {
	obj, err := f.DatasetObjectPath(ctx, h5path)
	if err != nil {
		return nil, err
	}
	t, err := h5type.Parse(obj.Type)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: type: %w", h5path, err)
	}
	if t.IsVariable() {
		vd, err := hdf.OpenVlenDataset(f.Store(), f.Bucket(), obj)
		if err != nil {
			return nil, err
		}
		return &source{typ: vd.Type, dims: vd.Dims, elemBytes: vlenElemBytes,
			read: func(ctx context.Context, s *selection.Selection) ([]byte, error) {
				elems, err := vd.Read(ctx, s, 0)
				if err != nil {
					return nil, err
				}
				return h5type.JoinElements(elems), nil
			},
			opts: h5type.DecodeOptions{EmptyVlenAsEmpty: true}}, nil
	}
	ds, err := hdf.OpenDataset(f.Store(), f.Bucket(), obj)
	if err != nil {
		return nil, err
	}
	return &source{typ: ds.Type, dims: ds.Dims, elemBytes: int64(ds.ItemSize), obj: obj,
		read: func(ctx context.Context, s *selection.Selection) ([]byte, error) {
			data, _, err := ds.Read(ctx, s, 0)
			return data, err
		}}, nil
}

// writePages reads the selection in slabs along its first output axis and writes each one, so
// that bin and csv output of any size runs in bounded memory.
func writePages(ctx context.Context, w io.Writer, format string, src *source, s *selection.Selection) error {
	shape := s.Shape()
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(w)
	}
	if format == "json" || len(shape) == 0 || shape[0] == 0 {
		data, err := src.read(ctx, s)
		if err != nil {
			return err
		}
		if err := writeValues(w, cw, format, src, shape, data, 0); err != nil {
			return err
		}
	} else {
		row := src.elemBytes
		for _, n := range shape[1:] {
			row *= int64(n)
		}
		per := max(1, int(pageBytes/max(row, 1)))
		for first := 0; first < shape[0]; first += per {
			page, err := s.Sub(0, first, min(first+per, shape[0]))
			if err != nil {
				return err
			}
			data, err := src.read(ctx, page)
			if err != nil {
				return err
			}
			if err := writeValues(w, cw, format, src, page.Shape(), data, first); err != nil {
				return err
			}
		}
	}
	if cw != nil {
		cw.Flush()
		return cw.Error()
	}
	return nil
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
func writeValues(w io.Writer, cw *csv.Writer, format string, src *source, shape []int, data []byte, first int) error {
	var v any
	if src.cf != nil {
		vals, labels, err := src.decodeValues(data)
		if err != nil {
			return err
		}
		if format == "bin" {
			out := make([]byte, 8*len(vals))
			for i, x := range vals {
				binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(x))
			}
			_, err := w.Write(out)
			return err
		}
		flat := make([]any, len(vals))
		for i := range vals {
			if labels != nil {
				flat[i] = labels[i]
			} else {
				flat[i] = vals[i]
			}
		}
		v = nest(flat, shape)
	} else {
		if format == "bin" {
			_, err := w.Write(data)
			return err
		}
		var err error
		if v, err = src.typ.DecodeValueOptions(data, shape, src.opts); err != nil {
			return err
		}
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
	return writeCSV(csvRecords{cw, w}, v, shape, first)
}

// nest shapes a flat C-order list as nested lists (a scalar for rank 0).
func nest(flat []any, shape []int) any {
	if len(shape) == 0 {
		if len(flat) == 0 {
			return nil
		}
		return flat[0]
	}
	n := shape[0]
	out := make([]any, n)
	per := 1
	for _, e := range shape[1:] {
		per *= e
	}
	for i := range out {
		out[i] = nest(flat[i*per:(i+1)*per], shape[1:])
	}
	return out
}

// csvRecords writes records with encoding/csv, except that a record of one empty field is
// written as "" (encoding/csv writes an empty line, which readers skip).
type csvRecords struct {
	cw *csv.Writer
	w  io.Writer
}

func (c csvRecords) Write(rec []string) error {
	if len(rec) == 1 && rec[0] == "" {
		c.cw.Flush()
		if err := c.cw.Error(); err != nil {
			return err
		}
		_, err := io.WriteString(c.w, "\"\"\n")
		return err
	}
	return c.cw.Write(rec)
}

// csvCell is the text of one element: strings as they are, numbers as in JSON (Python's float
// repr, NaN), sequences and compounds as their JSON text.
func csvCell(x any) (string, error) {
	if s, ok := x.(string); ok {
		return s, nil
	}
	b, err := h5type.MarshalValueJSON(x, false)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// writeCSV writes rank 0/1 one value per line, rank 2 one row per line, higher ranks one element
// per line preceded by its indices; encoding/csv quotes cells holding commas, quotes or newlines.
func writeCSV(cw csvRecords, v any, shape []int, first int) error {
	switch len(shape) {
	case 0:
		c, err := csvCell(v)
		if err != nil {
			return err
		}
		return cw.Write([]string{c})
	case 1, 2:
		rows, _ := v.([]any)
		for _, r := range rows {
			cols := []any{r}
			if len(shape) == 2 {
				cols, _ = r.([]any)
			}
			rec := make([]string, len(cols))
			for i, c := range cols {
				var err error
				if rec[i], err = csvCell(c); err != nil {
					return err
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		return nil
	}
	idx := make([]string, 0, len(shape)+1)
	var walk func(x any, depth int) error
	walk = func(x any, depth int) error {
		if depth == len(shape) {
			c, err := csvCell(x)
			if err != nil {
				return err
			}
			return cw.Write(append(idx, c))
		}
		for i, c := range x.([]any) {
			if depth == 0 {
				i += first
			}
			idx = append(idx, strconv.Itoa(i))
			if err := walk(c, depth+1); err != nil {
				return err
			}
			idx = idx[:len(idx)-1]
		}
		return nil
	}
	return walk(v, 0)
}
