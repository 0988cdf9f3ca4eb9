package hdf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// ResolveType returns the type JSON to store for a request type: a committed type id "t-..."
// becomes a copy of that committed type with "id" added (as HSDS does); anything else is
// normalised with h5type.Normalize.
func (f *File) ResolveType(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && len(s) > 2 && s[0] == schema.KindDatatype && s[1] == '-' {
		t, err := f.Datatype(ctx, s)
		if err != nil {
			return nil, err
		}
		pt, err := h5type.Parse(t.Type)
		if err != nil {
			return nil, fmt.Errorf("committed type %s: %w", s, err)
		}
		return pt.WithID(s).MarshalJSON()
	}
	return h5type.Normalize(raw)
}

// CreateDatasetWith creates an unlinked dataset from spec (see CreateDataset) and then merges
// extra creation properties (e.g. fillTime, allocTime, fillValue_encoding, CreateOrder, the
// request's own layout, kept as sent as HSDS does) into its creationProperties, keeping the
// normalised filters and fillValue. It returns the stored JSON.
func (f *File) CreateDatasetWith(ctx context.Context, spec DatasetSpec, extra map[string]json.RawMessage) (*schema.Dataset, error) {
	d, err := f.CreateDataset(ctx, "", "", spec)
	if err != nil {
		return nil, err
	}
	obj := d.Obj
	if len(extra) == 0 {
		return &obj, nil
	}
	key, err := f.objectKey(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	_, err = store.Update(ctx, f.st, f.bucket, key, func(old []byte, exists bool) ([]byte, error) {
		if !exists {
			return nil, fmt.Errorf("dataset %s: %w", d.ID, ErrNotFound)
		}
		obj = schema.Dataset{}
		if err := decodeStored(d.ID, key, old, &obj); err != nil {
			return nil, err
		}
		cp := map[string]json.RawMessage{}
		if len(obj.CreationProperties) > 0 {
			if err := json.Unmarshal(obj.CreationProperties, &cp); err != nil {
				return nil, fmt.Errorf("dataset %s: creationProperties: %w", d.ID, err)
			}
		}
		for k, v := range extra {
			if _, set := cp[k]; !set {
				cp[k] = v
			}
		}
		b, err := marshalSorted(cp)
		if err != nil {
			return nil, err
		}
		obj.CreationProperties = b
		return schema.Marshal(obj)
	})
	if err != nil {
		return nil, err
	}
	// A reference layout names data outside the store, which the store's rules may not let
	// this server read: creating the dataset is not reading it (the rest was checked above).
	if _, isRef := obj.RefLayout(); isRef {
		return &obj, nil
	}
	if _, err := OpenDataset(f.st, f.bucket, &obj); err != nil && !errors.Is(err, ErrUnsupported) {
		_ = f.DeleteObject(ctx, obj.ID)
		return nil, fmt.Errorf("create dataset: %w", err)
	}
	return &obj, nil
}

// marshalSorted encodes a map of raw values with sorted keys, compactly.
func marshalSorted(m map[string]json.RawMessage) (json.RawMessage, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
