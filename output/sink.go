package output

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Sink receives output files. WriteFile must make name appear with exactly
// data or not at all (atomically).
type Sink interface {
	WriteFile(ctx context.Context, name string, data []byte) error
}

// Remover is implemented by sinks that can delete files; [WriteOutputs]
// uses it to remove partial outputs and a stale manifest.
type Remover interface {
	Remove(ctx context.Context, name string) error
}

// checkName accepts plain file names only: no separators, no dot names.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("invalid output file name %q", name)
	}
	return nil
}

// DirSink writes files into a local directory, creating it if needed.
// Each file is written to a temporary file in the same directory, synced
// and renamed, so readers never see a partial file.
type DirSink struct {
	Dir string
}

var (
	_ Sink    = DirSink{}
	_ Remover = DirSink{}
)

// WriteFile atomically writes data to Dir/name.
func (s DirSink) WriteFile(ctx context.Context, name string, data []byte) (err error) {
	if err := checkName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("create output dir: %w", err)
	}
	f, err := os.CreateTemp(s.Dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	if err = os.Rename(tmp, filepath.Join(s.Dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w", name, err)
	}
	if d, derr := os.Open(s.Dir); derr == nil {
		_ = d.Sync() // make the rename durable where the file system allows
		_ = d.Close()
	}
	return nil
}

// FileWriter is a file being written by a [StreamSink]: the bytes written appear under its name,
// all at once, on Commit; Abort (or a failed Commit) leaves nothing behind.
type FileWriter interface {
	io.Writer
	Commit() error
	Abort()
}

// StreamSink is a [Sink] that can also take a file as a stream, so that a large output is
// written while it is rendered instead of being held whole in memory first ([WriteOutputsWith]
// renders the formats of a table side by side into such a sink).
type StreamSink interface {
	Sink
	Create(ctx context.Context, name string) (FileWriter, error)
}

var _ StreamSink = DirSink{}

// Create starts Dir/name as a temporary file in Dir, written through a 1 MiB buffer; Commit
// syncs it and renames it into place as WriteFile does.
func (s DirSink) Create(ctx context.Context, name string) (FileWriter, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output dir: %w", err)
	}
	f, err := os.CreateTemp(s.Dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return &dirFile{dir: s.Dir, name: name, f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// dirFile is a DirSink file being written.
type dirFile struct {
	dir, name string
	f         *os.File
	w         *bufio.Writer
	done      bool
}

func (d *dirFile) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", d.name, err)
	}
	return n, nil
}

// Commit flushes, syncs and renames the file into place (and syncs the directory where the
// file system allows); on an error the temporary file is removed.
func (d *dirFile) Commit() (err error) {
	if d.done {
		return fmt.Errorf("write %s: already committed or aborted", d.name)
	}
	d.done = true
	tmp := d.f.Name()
	defer func() {
		if err != nil {
			_ = d.f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = d.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", d.name, err)
	}
	if err = d.f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", d.name, err)
	}
	if err = d.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", d.name, err)
	}
	if err = d.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", d.name, err)
	}
	if err = os.Rename(tmp, filepath.Join(d.dir, d.name)); err != nil {
		return fmt.Errorf("rename %s: %w", d.name, err)
	}
	if dir, derr := os.Open(d.dir); derr == nil {
		_ = dir.Sync() // make the rename durable where the file system allows
		_ = dir.Close()
	}
	return nil
}

// Abort drops the temporary file; after Commit it does nothing.
func (d *dirFile) Abort() {
	if d.done {
		return
	}
	d.done = true
	_ = d.f.Close()
	_ = os.Remove(d.f.Name())
}

// Remove deletes Dir/name; a missing file is not an error.
func (s DirSink) Remove(_ context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.Dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

// RemoveExisting deletes Dir/name and reports whether it was there (a missing file is not an
// error: false, nil).
func (s DirSink) RemoveExisting(_ context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if err := os.Remove(filepath.Join(s.Dir, name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("remove %s: %w", name, err)
	}
	return true, nil
}

// FuncSink adapts a put function (for example an object store's Put) to a
// Sink; the function receives the bare file name as key.
type FuncSink func(ctx context.Context, key string, data []byte) error

var _ Sink = FuncSink(nil)

// WriteFile calls the function.
func (f FuncSink) WriteFile(ctx context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := f(ctx, name, data); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// PutSink writes each file to Prefix/name through Put and, when Delete is
// set, can remove files. It suits object stores, where a single PUT is
// already atomic; the CLI builds it from hsds/store for s3://bucket/prefix.
type PutSink struct {
	Prefix string
	Put    func(ctx context.Context, key string, data []byte) error
	Delete func(ctx context.Context, key string) error
	// Exists, when set, says whether an object is at key; RemoveExisting uses it to report
	// only what it removed (object stores delete a missing key without an error).
	Exists func(ctx context.Context, key string) (bool, error)
}

var (
	_ Sink    = PutSink{}
	_ Remover = PutSink{}
)

func (s PutSink) key(name string) string {
	if s.Prefix == "" {
		return name
	}
	return path.Join(s.Prefix, name)
}

// WriteFile puts data under Prefix/name.
func (s PutSink) WriteFile(ctx context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if s.Put == nil {
		return errors.New("put sink: nil Put function")
	}
	k := s.key(name)
	if err := s.Put(ctx, k, data); err != nil {
		return fmt.Errorf("put %s: %w", k, err)
	}
	return nil
}

// Remove deletes Prefix/name when Delete is set, and does nothing otherwise.
func (s PutSink) Remove(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if s.Delete == nil {
		return nil
	}
	k := s.key(name)
	if err := s.Delete(ctx, k); err != nil {
		return fmt.Errorf("delete %s: %w", k, err)
	}
	return nil
}

// RemoveExisting deletes Prefix/name when Delete is set and reports whether it was there: with
// Exists set it is asked first (nothing is deleted when the object is missing); without it, a
// deleted object is assumed to have been there. Without Delete nothing is removed (false).
func (s PutSink) RemoveExisting(ctx context.Context, name string) (bool, error) {
	if err := checkName(name); err != nil {
		return false, err
	}
	if s.Delete == nil {
		return false, nil
	}
	k := s.key(name)
	if s.Exists != nil {
		ok, err := s.Exists(ctx, k)
		if err != nil {
			return false, fmt.Errorf("look for %s: %w", k, err)
		}
		if !ok {
			return false, nil
		}
	}
	if err := s.Delete(ctx, k); err != nil {
		return false, fmt.Errorf("delete %s: %w", k, err)
	}
	return true, nil
}
