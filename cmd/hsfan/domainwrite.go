package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// incompleteAttr is the root-group attribute that marks a domain whose writing has not finished.
// hsfan gen creates the domain with it (the root group holds it before the .domain.json publishes
// the domain, hdf.CreateOptions.RootAttributes) and deletes it after the last chunk, so a domain
// left by a killed or failed gen always carries it. It is an ordinary scalar string attribute,
// which the real HSDS serves like any other (TestHSDSServesIncompleteDomain).
const incompleteAttr = "hsfan_incomplete"

// errKept reports that writeDomain kept an existing complete domain (--keep-existing).
var errKept = errors.New("existing complete domain kept")

// domainWrite configures writeDomain.
type domainWrite struct {
	owner     string
	acls      map[string]schema.ACL
	overwrite bool // replace an existing complete domain
	keep      bool // keep an existing complete domain (errKept)
	source    string
	write     func(context.Context, *hdf.File) error
	log       io.Writer
}

// writeDomain creates the domain at path marked incomplete, runs w.write and removes the mark.
// An existing incomplete domain is always replaced; an existing complete one is replaced with
// w.overwrite, kept with w.keep (errKept) and otherwise an error wrapping hdf.ErrExists.
func writeDomain(ctx context.Context, st store.Store, bucket, path string, w domainWrite) error {
	old, err := hdf.Open(ctx, st, bucket, path)
	switch {
	case errors.Is(err, hdf.ErrNotFound):
	case err != nil:
		return err
	case old.Domain.IsFolder():
		return fmt.Errorf("%s is a folder, not a domain: %w", path, hdf.ErrExists)
	default:
		mark, err := incompleteMark(ctx, old)
		if err != nil {
			return err
		}
		switch {
		case mark != "":
			fmt.Fprintf(w.log, "replacing the incomplete domain %s (%s: %s)\n", path, incompleteAttr, mark)
		case w.overwrite:
		case w.keep:
			return errKept
		default:
			return fmt.Errorf("domain %s already exists and is complete (--overwrite replaces it, --keep-existing keeps it): %w", path, hdf.ErrExists)
		}
		if err := hdf.Delete(ctx, st, bucket, path); err != nil && !errors.Is(err, hdf.ErrNotFound) {
			return fmt.Errorf("replace %s: %w", path, err)
		}
	}
	value, _ := json.Marshal(fmt.Sprintf("%s started %s: the domain is incomplete until this attribute is removed",
		w.source, time.Now().UTC().Format(time.RFC3339)))
	f, err := hdf.Create(ctx, st, bucket, path, hdf.CreateOptions{Owner: w.owner, Parents: true, ACLs: w.acls,
		RootAttributes: map[string]schema.Attribute{incompleteAttr: {
			Type:    json.RawMessage(`{"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}`),
			Shape:   schema.Shape{Class: schema.ShapeScalar},
			Value:   value,
			Created: schema.Now()}}})
	if err != nil {
		return err
	}
	if err := w.write(ctx, f); err != nil {
		return fmt.Errorf("%w (the domain %s stays marked incomplete by the attribute %s: run the command again to replace it)",
			err, path, incompleteAttr)
	}
	if err := f.DeleteAttributes(ctx, f.RootID(), incompleteAttr); err != nil {
		return fmt.Errorf("mark %s complete: %w", path, err)
	}
	return nil
}

// incompleteMark returns the value of the domain's incomplete mark, "" for a complete domain.
func incompleteMark(ctx context.Context, f *hdf.File) (string, error) {
	if f.Domain.IsFolder() {
		return "", nil
	}
	attrs, err := f.ObjectAttributes(ctx, f.RootID())
	if err != nil {
		return "", fmt.Errorf("domain %s: root group: %w", f.Path(), err)
	}
	a, ok := attrs[incompleteAttr]
	if !ok {
		return "", nil
	}
	var s string
	if json.Unmarshal(a.Value, &s) != nil || s == "" {
		s = "set"
	}
	return s, nil
}

// errIncomplete is returned for a domain that carries the incomplete mark.
var errIncomplete = errors.New("domain is incomplete")

// checkComplete fails with errIncomplete when the domain at path carries the incomplete mark.
func checkComplete(ctx context.Context, st store.Store, bucket, path string) error {
	f, err := hdf.Open(ctx, st, bucket, path)
	if err != nil {
		return err
	}
	mark, err := incompleteMark(ctx, f)
	if err != nil || mark == "" {
		return err
	}
	return fmt.Errorf("%s: %w: its writer did not finish (root attribute %s: %s); regenerate it (hsfan gen replaces an incomplete domain)",
		path, errIncomplete, incompleteAttr, mark)
}
