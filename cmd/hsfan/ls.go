package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

const lsUsage = `Usage: hsfan ls [-r] [PATH]

Lists the folders and domains under a folder PATH (default /), or the groups and datasets (with
type, shape and chunks) inside a domain PATH. -r recurses into sub-folders and domains. A domain
whose writer did not finish (an interrupted hsfan gen) is marked INCOMPLETE.
`

const lsExamples = `  hsfan ls --store file://data -r /
  hsfan ls /shared/sst/mur25.h5
`

func runLs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	recursive := fs.Bool("r", false, "recurse into sub-folders and domains")
	pos, err := parseCommand(fs, args, helpDoc{lsUsage, []flagGroup{{"Listing", []string{"r"}}, storeGroup}, lsExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("at most one PATH")
	}
	p := "/"
	if len(pos) == 1 {
		p = pos[0]
	}
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	l := lister{st: st, bucket: sf.bucket, w: tw, recursive: *recursive}
	clean := "/" + strings.Trim(p, "/")
	if clean != "/" {
		f, err := hdf.Open(ctx, st, sf.bucket, clean)
		if err != nil && !errors.Is(err, hdf.ErrNotFound) {
			return err
		}
		if err == nil && !f.Domain.IsFolder() {
			return l.domain(ctx, f)
		}
		if err != nil {
			has, lerr := l.hasChildren(ctx, clean)
			if lerr != nil {
				return lerr
			}
			if !has {
				return fmt.Errorf("%s: no such folder or domain in bucket %s", clean, sf.bucket)
			}
		}
	}
	if err := l.folder(ctx, clean); err != nil {
		return err
	}
	if l.unreadable > 0 {
		return fmt.Errorf("%d domain(s) or folder(s) could not be read (marked ? above)", l.unreadable)
	}
	return nil
}

type lister struct {
	st        store.Store
	bucket    string
	w         io.Writer
	recursive bool
	// unreadable counts the domains listed as "?" because their .domain.json could not be read.
	unreadable int
}

func (l *lister) hasChildren(ctx context.Context, folder string) (bool, error) {
	found := false
	err := l.st.List(ctx, l.bucket, strings.TrimPrefix(folder, "/")+"/", "/", func(store.Entry) error {
		found = true
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, fmt.Errorf("list %s: %w", folder, err)
	}
	return found, nil
}

var errStop = errors.New("stop")

// folder lists the domains and folders directly under folder (recursively with -r).
func (l *lister) folder(ctx context.Context, folder string) error {
	return hdf.EachDomain(ctx, l.st, l.bucket, folder, func(s string, f *hdf.File, err error) error {
		if err != nil {
			// Keep listing the others; runLs fails at the end.
			fmt.Fprintf(l.w, "?\t%s\t%v\n", s, err)
			l.unreadable++
			return nil
		}
		kind := "domain"
		if f.Domain.IsFolder() {
			kind = "folder"
		}
		note := ""
		if mark, err := incompleteMark(ctx, f); err != nil {
			note = fmt.Sprintf("\t? %v", err)
			l.unreadable++
		} else if mark != "" {
			note = "\tINCOMPLETE (" + mark + ")"
		}
		fmt.Fprintf(l.w, "%s\t%s\towner %s\tmodified %s%s\n", kind, s, f.Domain.Owner, fmtTime(f.Domain.LastModified), note)
		if l.recursive {
			if f.Domain.IsFolder() {
				return l.folder(ctx, s)
			}
			return l.domain(ctx, f)
		}
		return nil
	})
}

// domain walks the domain's groups from the root and prints every object once.
func (l *lister) domain(ctx context.Context, f *hdf.File) error {
	seen := map[string]bool{}
	var walk func(id, p string) error
	walk = func(id, p string) error {
		if seen[id] {
			fmt.Fprintf(l.w, "link\t%s\t-> %s\n", p, id)
			return nil
		}
		seen[id] = true
		switch schema.Kind(id) {
		case schema.KindGroup:
			g, err := f.Group(ctx, id)
			if err != nil {
				return fmt.Errorf("group %s: %w", p, err)
			}
			note := ""
			if a, ok := g.Attributes[incompleteAttr]; ok && id == f.RootID() {
				note = "\tINCOMPLETE domain: " + string(a.Value)
			}
			fmt.Fprintf(l.w, "group\t%s\t%d links, %d attributes%s\n", p, len(g.Links), len(g.Attributes), note)
			names := make([]string, 0, len(g.Links))
			for n := range g.Links {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				lk := g.Links[n]
				child := path.Join(p, n)
				if lk.Class != schema.LinkHard {
					fmt.Fprintf(l.w, "link\t%s\t-> %s%s\n", child, lk.H5Domain, lk.H5Path)
					continue
				}
				if err := walk(lk.ID, child); err != nil {
					return err
				}
			}
		case schema.KindDataset:
			d, err := f.DatasetObject(ctx, id)
			if err != nil {
				return fmt.Errorf("dataset %s: %w", p, err)
			}
			filters, err := filterNames(d)
			if err != nil {
				return fmt.Errorf("dataset %s: %w", p, err)
			}
			fmt.Fprintf(l.w, "dataset\t%s\t%s %s\tchunks %s\t%s\n", p, typeName(d.Type), shapeString(d.Shape), dimsString(d.Layout.Dims), filters)
		default:
			fmt.Fprintf(l.w, "datatype\t%s\n", p)
		}
		return nil
	}
	return walk(f.RootID(), "/")
}

// typeName gives a short readable name of a type: "int16", "float32be", "vlen str (utf-8)",
// "str[8] (ascii)", "vlen<int32>", "compound{a: int16, s: vlen str (utf-8)}", "int32[3x4]",
// "enum<int8>", "bool", "opaque[16]", "reference"; "?" when the JSON does not parse.
func typeName(raw json.RawMessage) string {
	t, err := h5type.Parse(raw)
	if err != nil {
		return "?"
	}
	return readableType(t)
}

func readableType(t *h5type.Type) string {
	switch t.Class() {
	case h5type.ClassInteger, h5type.ClassFloat:
		return numberName(t.BaseName())
	case h5type.ClassString:
		cs := "ascii"
		if t.CharSet() == h5type.CharSetUTF8 {
			cs = "utf-8"
		}
		if t.IsVariable() {
			return "vlen str (" + cs + ")"
		}
		return fmt.Sprintf("str[%d] (%s)", t.Length(), cs)
	case h5type.ClassVlen:
		return "vlen<" + readableType(t.Base()) + ">"
	case h5type.ClassCompound:
		fields := t.Fields()
		parts := make([]string, len(fields))
		for i, f := range fields {
			parts[i] = f.Name + ": " + readableType(f.Type)
		}
		return "compound{" + strings.Join(parts, ", ") + "}"
	case h5type.ClassArray:
		d := t.Dims()
		p := make([]string, len(d))
		for i, n := range d {
			p[i] = fmt.Sprint(n)
		}
		return readableType(t.Base()) + "[" + strings.Join(p, "x") + "]"
	case h5type.ClassEnum:
		if t.IsBool() {
			return "bool"
		}
		return "enum<" + readableType(t.Base()) + ">"
	case h5type.ClassOpaque:
		return fmt.Sprintf("opaque[%d]", t.Size())
	case h5type.ClassReference:
		return "reference"
	}
	return strings.TrimPrefix(t.Class().String(), "H5T_")
}

// numberName maps HSDS's predefined names ("H5T_STD_I16LE") to numpy-like ones ("int16").
func numberName(base string) string {
	names := map[string]string{"I8": "int8", "I16": "int16", "I32": "int32", "I64": "int64", "U8": "uint8", "U16": "uint16",
		"U32": "uint32", "U64": "uint64", "F16": "float16", "F32": "float32", "F64": "float64"}
	for k, v := range names {
		if base == "H5T_STD_"+k+"LE" || base == "H5T_IEEE_"+k+"LE" {
			return v
		}
		if base == "H5T_STD_"+k+"BE" || base == "H5T_IEEE_"+k+"BE" {
			return v + "be"
		}
	}
	return base
}

func shapeString(s schema.Shape) string {
	switch s.Class {
	case schema.ShapeScalar:
		return "scalar"
	case schema.ShapeNull:
		return "null"
	}
	return dimsString(s.Dims)
}

func dimsString(d []int) string {
	p := make([]string, len(d))
	for i, n := range d {
		p[i] = fmt.Sprint(n)
	}
	return "(" + strings.Join(p, ", ") + ")"
}

func filterNames(d *schema.Dataset) (string, error) {
	fl, err := d.Filters()
	if err != nil {
		return "", err
	}
	if len(fl) == 0 {
		return "uncompressed", nil
	}
	var n []string
	for _, f := range fl {
		n = append(n, f.Name)
	}
	return strings.Join(n, "+"), nil
}

func fmtTime(t float64) string {
	return time.Unix(int64(t), 0).UTC().Format(time.RFC3339)
}
