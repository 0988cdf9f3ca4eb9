package hdf

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// DatasetScan is one dataset's entry of a ScanInfo (HSDS async_lib.py scanRoot, the
// "datasets" member of .info.json, hsds-format.md 1.11).
type DatasetScan struct {
	// ID is the dataset id ("" when only chunks of it are stored).
	ID             string
	LastModified   float64
	NumChunks      int
	AllocatedBytes int64
	// LogicalBytes is elements x element size; Variable is set (HSDS writes "variable")
	// for variable-length types.
	LogicalBytes    int64
	Variable        bool
	LinkedBytes     int64
	NumLinkedChunks int
}

// ScanInfo is the summary of a domain's stored objects that HSDS's data node writes to
// .info.json after its asynchronous root scan (async_lib.py scanRoot) and that GET /?verbose=1
// returns; here it is computed on request from one listing of the domain's keys.
type ScanInfo struct {
	LastModified    float64
	NumGroups       int
	NumDatatypes    int
	Datasets        map[string]*DatasetScan
	NumChunks       int
	AllocatedBytes  int64 // bytes of chunk objects
	MetadataBytes   int64 // bytes of group, dataset and datatype JSON objects
	NumLinkedChunks int
	LinkedBytes     int64
	LogicalBytes    int64
	// MD5Sum is the hex MD5 of the objects' ETags, each cut or zero-padded to 16 bytes as
	// numpy's S16 does, in key order ("" when an object has no ETag).
	MD5Sum                  string
	ScanStart, ScanComplete float64
}

// Scan lists every object under the domain's root and summarises it as HSDS's scanRoot does:
// counts of groups, datatypes, datasets (a dataset is counted once, by its JSON or its chunks),
// chunks and their bytes, the JSON bytes, and per dataset its chunks and logical size. Folders
// are ErrIsFolder. Linked (reference layout) bytes are not counted: hsfan does not read the
// referenced files to summarise them.
func (f *File) Scan(ctx context.Context) (*ScanInfo, error) {
	if f.Domain.Root == "" {
		return nil, fmt.Errorf("scan %s: %w", f.path, ErrIsFolder)
	}
	info := &ScanInfo{Datasets: map[string]*DatasetScan{}, ScanStart: schema.Now()}
	prefix := schema.RootPrefix(f.Domain.Root)
	if prefix == "" {
		return nil, fmt.Errorf("scan %s: bad root id %q", f.path, f.Domain.Root)
	}
	type obj struct {
		key, etag string
	}
	var objs []obj
	allTagged := true
	dsetKeys := map[string]string{} // dataset prefix -> .dataset.json key
	err := f.st.List(ctx, f.bucket, prefix, "", func(e store.Entry) error {
		if e.IsPrefix {
			return nil
		}
		rest := strings.TrimPrefix(e.Key, prefix)
		parts := strings.Split(rest, "/")
		mod := float64(e.LastModified.UnixNano()) / float64(time.Second)
		var dset string
		switch {
		case rest == ".group.json", len(parts) == 3 && parts[0] == "g" && parts[2] == ".group.json":
			info.NumGroups++
			info.MetadataBytes += e.Size
		case len(parts) == 3 && parts[0] == "t" && parts[2] == ".datatype.json":
			info.NumDatatypes++
			info.MetadataBytes += e.Size
		case len(parts) == 3 && parts[0] == "d" && parts[2] == ".dataset.json":
			info.MetadataBytes += e.Size
			dset = parts[1]
			dsetKeys[dset] = e.Key
		case len(parts) >= 3 && parts[0] == "d":
			info.NumChunks++
			info.AllocatedBytes += e.Size
			dset = parts[1]
		default:
			return nil // .info.json and other non-object keys (HSDS isS3ObjKey)
		}
		if mod > info.LastModified {
			info.LastModified = mod
		}
		if dset != "" {
			ds := info.Datasets[dset]
			if ds == nil {
				ds = &DatasetScan{}
				info.Datasets[dset] = ds
			}
			if mod > ds.LastModified {
				ds.LastModified = mod
			}
			if len(parts) != 3 || parts[2] != ".dataset.json" {
				ds.NumChunks++
				ds.AllocatedBytes += e.Size
			}
		}
		if e.ETag == "" {
			allTagged = false
		}
		objs = append(objs, obj{e.Key, e.ETag})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", f.path, err)
	}
	for b, ds := range info.Datasets {
		key, ok := dsetKeys[b]
		if !ok {
			continue
		}
		raw, _, err := f.st.Get(ctx, f.bucket, key)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", f.path, err)
		}
		var d schema.Dataset
		if err := schema.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("scan %s: %s: %w", f.path, key, err)
		}
		ds.ID = d.ID
		t, err := h5type.Parse(d.Type)
		if err != nil || t.IsVariable() {
			ds.Variable = true
			continue
		}
		n := int64(1)
		for _, x := range d.Shape.Dims {
			n *= int64(x)
		}
		if d.Shape.Class == "H5S_NULL" {
			n = 0
		}
		ds.LogicalBytes = n * int64(t.Size())
		info.LogicalBytes += ds.LogicalBytes
	}
	if allTagged {
		sort.Slice(objs, func(i, j int) bool { return objs[i].key < objs[j].key })
		h := md5.New()
		for _, o := range objs {
			var b [16]byte
			copy(b[:], o.etag)
			h.Write(b[:])
		}
		info.MD5Sum = hex.EncodeToString(h.Sum(nil))
	}
	info.ScanComplete = schema.Now()
	return info, nil
}

// NumDatasets is the number of datasets the scan found.
func (s *ScanInfo) NumDatasets() int { return len(s.Datasets) }
