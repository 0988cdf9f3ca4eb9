package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/internal/h5index"
)

const indexUsage = `Usage:
  hsfan index FILE|URL... --domain D [--concat DIM] [--store URL --bucket B]

Indexes netCDF-4/HDF5 files where they lie (the 'hsload --link' of hsfan): reads each file's HDF5
metadata with ranged reads (never the whole file) and writes a domain whose datasets point at the
chunks inside the files (creationProperties.layout H5D_CHUNKED_REF, H5D_CHUNKED_REF_INDIRECT or
H5D_CONTIGUOUS_REF, as h5pyd's hsload --link writes them), with the groups, types, attributes and
dimension scales of the file. hsfan and the real HSDS both serve the domain; nothing is copied.

The files must be objects of the store the domain is written to, because references are read
from that store: s3://BUCKET/KEY on an S3 store, or a path inside the file:// store directory
(DIR/BUCKET/KEY). A file in the domain's own bucket is read by everyone out of the box; a file
in another bucket needs that bucket in the readers' allow-list ('hsfan run --ref-allow BUCKET').

With --concat DIM, several files (one per day) become one domain: every dataset whose first
dimension is DIM is joined along it in the order given (its chunks pointing into each file,
H5D_CHUNKED_REF_INDIRECT with a chunk table), the DIM coordinate comes from the files' own
values, and files whose other dimensions, types or chunking differ are refused naming the file
and the difference. Indexing again with --concat and --append adds files to an existing domain.

Unsupported features are refused with an error naming them (e.g. szip, the extensible array
chunk index); datasets a reference cannot serve (scalars, compact, variable-length) are listed
as skipped.
`

const indexExamples = `  # one granule inside the store (data/hsfan/granules/...): domain /granules/day1.h5
  hsfan index data/hsfan/granules/20221201-mur.nc --domain /granules/day1.h5 --store file://data --bucket hsfan

  # a year of daily granules as one time series
  hsfan index data/hsfan/granules/2022*.nc --concat time --domain /mur/2022.h5

  # granules in an S3 bucket
  hsfan index s3://podaac/MUR25/20221201-mur.nc --store s3://127.0.0.1:7070 --bucket hsfan --domain /mur/d.h5
`

var indexGroups = []flagGroup{
	{"Domain", []string{"domain", "owner", "public-read", "overwrite", "keep-existing"}},
	{"Files", []string{"concat", "append"}},
	storeGroup,
}

func runIndex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	domain := fs.String("domain", "", "domain path to write, e.g. /mur/2022.h5 (required)")
	owner := fs.String("owner", "hsfan", "owner of the new domain (every permission)")
	public := fs.Bool("public-read", true, "give everyone (the ACL \"default\") read access")
	overwrite := fs.Bool("overwrite", false, "replace an existing domain")
	keep := fs.Bool("keep-existing", false, "keep an existing complete domain (exit 0)")
	concat := fs.String("concat", "", "join the files along this dimension (its dimension scale's name, e.g. time)")
	appendF := fs.Bool("append", false, "with --concat: add the files to the existing domain (after its last one)")
	pos, err := parseCommand(fs, args, helpDoc{indexUsage, indexGroups, indexExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want at least one FILE or URL to index (see 'hsfan index -h')")
	}
	if err := checkNewDomainFlags(*domain, *owner, *overwrite, *keep); err != nil {
		return err
	}
	if len(pos) > 1 && *concat == "" {
		return usagef("%d files: --concat DIM joins them into one domain (one domain per file: run hsfan index once per file)", len(pos))
	}
	if *appendF && *concat == "" {
		return usagef("--append needs --concat")
	}
	if *concat != "" && strings.ContainsAny(*concat, "/ ") {
		return usagef("--concat %q: want a dimension name such as time", *concat)
	}
	granules := make([]h5index.Granule, len(pos))
	for i, p := range pos {
		g, err := granuleOf(sf, p)
		if err != nil {
			return err
		}
		granules[i] = g
	}
	st, err := sf.openMode(ctx, true)
	if err != nil {
		return err
	}
	t0 := time.Now()
	opts := h5index.Options{Concat: *concat, Log: stderr}
	var rep h5index.Report
	if *appendF {
		f, err := hdf.Open(ctx, st, sf.bucket, *domain)
		if err != nil {
			return err
		}
		if rep, err = h5index.Append(ctx, st, f, granules, opts); err != nil {
			return err
		}
	} else {
		acls := map[string]schema.ACL{}
		if *public {
			acls["default"] = schema.ACL{Read: true}
		}
		err = writeDomain(ctx, st, sf.bucket, *domain, domainWrite{owner: *owner, acls: acls, overwrite: *overwrite,
			keep: *keep, source: "hsfan index", log: stderr, write: func(ctx context.Context, f *hdf.File) error {
				var err error
				rep, err = h5index.Index(ctx, st, f, granules, opts)
				return err
			}})
		if err != nil {
			return err
		}
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(stderr, "index: skipped %s\n", s)
	}
	fmt.Fprintf(stdout, "indexed %d file(s) into %s in bucket %s of %s: %d datasets, %d chunk references; read %d metadata bytes in %d ranged reads of %d file bytes (%.1fs)\n",
		rep.Files, *domain, sf.bucket, sf.url, rep.Datasets, rep.Chunks, rep.BytesRead, rep.Reads, rep.FileBytes, time.Since(t0).Seconds())
	others := map[string]bool{}
	for _, g := range granules {
		if g.Bucket != sf.bucket && !others[g.Bucket] {
			others[g.Bucket] = true
			fmt.Fprintf(stdout, "note: the files in bucket %s are read by reference: readers need --ref-allow %s (hsfan run) or HSFAN_REF_ALLOW=%s (hsfan serve)\n", g.Bucket, g.Bucket, g.Bucket)
		}
	}
	return nil
}

// granuleOf maps a command-line FILE or URL to the store object holding it.
func granuleOf(sf storeFlags, p string) (h5index.Granule, error) {
	if rest, ok := strings.CutPrefix(p, "s3://"); ok {
		if !strings.HasPrefix(sf.url, "s3://") {
			return h5index.Granule{}, usagef("%s: an s3:// file needs an S3 store (--store s3://...), the store the domain's readers read references from", p)
		}
		bucket, key, _ := strings.Cut(rest, "/")
		if store.ValidateBucket(bucket) != nil || key == "" || store.ValidateKey(key) != nil {
			return h5index.Granule{}, usagef("%s: want s3://BUCKET/KEY", p)
		}
		return h5index.Granule{Bucket: bucket, Key: key, S3: true}, nil
	}
	dir, ok := strings.CutPrefix(sf.url, "file://")
	if !ok {
		return h5index.Granule{}, usagef("%s: a local file needs a file:// store containing it (--store file://DIR with the file under DIR/BUCKET/)", p)
	}
	path := strings.TrimPrefix(p, "file://")
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return h5index.Granule{}, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return h5index.Granule{}, err
	}
	rel, err := filepath.Rel(absDir, abs)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return h5index.Granule{}, usagef("%s is not inside the store directory %s: references are read from the store, so put the file under %s/%s/ (or index it from an S3 store)", p, absDir, absDir, sf.bucket)
	}
	bucket, key, _ := strings.Cut(filepath.ToSlash(rel), "/")
	if store.ValidateBucket(bucket) != nil || key == "" || store.ValidateKey(key) != nil {
		return h5index.Granule{}, usagef("%s: not an object of the store (want DIR/BUCKET/KEY below %s)", p, absDir)
	}
	return h5index.Granule{Bucket: bucket, Key: key}, nil
}
