package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
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
responses), json writes {"shape": [...], "value": nested lists}, csv a header line and then one
line per element: its index in the dataset along each dimension (not relative to the selection),
then its value, quoted as RFC 4180 requires. The header names the index columns after the
dimensions (DIMENSION_LABELS or dimension scales, else dim0, dim1, ...) with "_index" and the
value column after the dataset: "time_index,lat_index,lon_index,analysed_sst". --header=false
leaves the header out. -o FILE is written atomically, with the permissions a new file gets from
the umask (0666 &^ umask, as cp and shell redirection give), or the existing file's.

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
	decode := fs.Bool("decode", false, "CF-decode the values as xarray.open_dataset does (packing, fill values, _Unsigned, valid range; time to ISO dates)")
	header := fs.Bool("header", true, "csv: write the header line of column names")
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
	if mark, err := incompleteMark(ctx, f); err != nil {
		return err
	} else if mark != "" {
		fmt.Fprintf(stderr, "hsfan get: warning: %s is incomplete, its writer did not finish (%s: %s): unwritten chunks read as fill values\n", *domain, incompleteAttr, mark)
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
	if *format == "csv" && *header {
		if src.header, err = csvHeader(ctx, f, src, *dataset); err != nil {
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
	ds                  *hdf.Dataset // fixed-size datasets only
	// header is the csv header (nil: none).
	header []string
}

// csvHeader names the csv columns: one index column per dataset dimension, named after the
// dimension as xarray names it (cf.Names) with "_index", and the value column after the dataset.
func csvHeader(ctx context.Context, f *hdf.File, src *source, h5path string) ([]string, error) {
	names := make([]string, len(src.dims))
	for i := range names {
		names[i] = cf.DefaultAxisName(i)
	}
	if src.ds != nil && len(src.dims) > 0 {
		n, _, err := cf.Names(ctx, f, src.ds)
		if err != nil {
			return nil, fmt.Errorf("csv header: %w", err)
		}
		copy(names, n)
		// A 1-D dimension scale (a coordinate such as /lat) is the dimension it scales.
		if class, _ := cf.AttrString(src.obj, "CLASS"); len(names) == 1 && names[0] == cf.DefaultAxisName(0) && class == "DIMENSION_SCALE" {
			names[0] = path.Base(h5path)
		}
	}
	hdr := make([]string, 0, len(names)+1)
	for _, n := range names {
		hdr = append(hdr, n+"_index")
	}
	value := path.Base(h5path)
	if value == "/" || value == "." || value == "" {
		value = "value"
	}
	return append(hdr, value), nil
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
	return &source{typ: ds.Type, dims: ds.Dims, elemBytes: int64(ds.ItemSize), obj: obj, ds: ds,
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
		if src.header != nil {
			if err := cw.Write(src.header); err != nil {
				return err
			}
		}
	}
	if format == "json" || len(shape) == 0 || shape[0] == 0 {
		data, err := src.read(ctx, s)
		if err != nil {
			return err
		}
		if err := writeValues(w, cw, format, src, s, data); err != nil {
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
			if err := writeValues(w, cw, format, src, page, data); err != nil {
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
// failed read leaves no partial file). The file gets the mode os.Create would give it: an existing
// file's mode, else 0666 &^ umask (the temporary file is created with mode 0666, which the kernel
// masks, unlike os.CreateTemp's 0600).
func writeOutput(path string, fn func(io.Writer) error, stdout io.Writer) error {
	if path == "" || path == "-" {
		return fn(stdout)
	}
	tmp, err := createTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		err = tmp.Chmod(fi.Mode().Perm())
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return err
		}
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

// createTemp creates a new file dir/prefix<random> with mode 0666 (before the umask).
func createTemp(dir, prefix string) (*os.File, error) {
	for range 100 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, prefix+hex.EncodeToString(b[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create a temporary file in %s: too many collisions", dir)
}

// writeValues writes the values data of the selection (or page) sel.
func writeValues(w io.Writer, cw *csv.Writer, format string, src *source, sel *selection.Selection, data []byte) error {
	shape := sel.Shape()
	var v any
	var flat []any
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
		flat = make([]any, len(vals))
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
	if flat == nil {
		flat = flattenRank(v, len(shape), nil)
	}
	return writeCSV(csvRecords{cw, w}, sel, flat)
}

// flattenRank lists the elements of the nested value v of the given rank in C order (an element
// may itself be a list: a vlen sequence or a compound).
func flattenRank(v any, rank int, out []any) []any {
	if rank == 0 {
		return append(out, v)
	}
	for _, x := range v.([]any) {
		out = flattenRank(x, rank-1, out)
	}
	return out
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

// writeCSV writes one record per element of sel: its dataset index along each dimension, then
// its value; encoding/csv quotes cells holding commas, quotes or newlines.
func writeCSV(cw csvRecords, sel *selection.Selection, flat []any) error {
	shape := sel.Shape()
	rank := len(sel.Extents())
	out := make([]int, len(shape)) // the output index of the current element
	rec := make([]string, rank+1)
	for _, x := range flat {
		for d := range rank {
			rec[d] = strconv.Itoa(sel.Dim(d).Index(out[sel.OutAxis(d)]))
		}
		c, err := csvCell(x)
		if err != nil {
			return err
		}
		rec[rank] = c
		if err := cw.Write(rec); err != nil {
			return err
		}
		for a := len(out) - 1; a >= 0; a-- {
			if out[a]++; out[a] < shape[a] {
				break
			}
			out[a] = 0
		}
	}
	return nil
}
