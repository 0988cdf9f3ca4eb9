package output

import (
	"context"
	"errors"
	"fmt"
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
