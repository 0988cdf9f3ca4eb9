package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Confinement of the POSIX backend (issue 9, class 5).
//
// Every file system operation of a Posix store goes through posixFS with names relative to the
// store root. By default that is an os.Root (openat-based): a path whose resolution would leave
// the root (a symbolic link planted in the store pointing outside it, at any path element) fails
// instead of reading, writing or deleting outside the store. Options.FollowSymlinks selects the
// plain path-joining implementation, which follows links anywhere (the behaviour before).

// posixFS is the subset of os.Root a Posix store uses. Names are relative, OS-separated.
type posixFS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
	Stat(name string) (fs.FileInfo, error)
	Lstat(name string) (fs.FileInfo, error)
	MkdirAll(name string, perm fs.FileMode) error
	Remove(name string) error
	Rename(oldname, newname string) error
}

// rootFS confines names to an os.Root.
type rootFS struct{ *os.Root }

// dirFS joins names to a directory and follows symbolic links anywhere.
type dirFS struct{ dir string }

func (d dirFS) path(name string) string { return filepath.Join(d.dir, name) }

func (d dirFS) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(d.path(name), flag, perm)
}
func (d dirFS) Stat(name string) (fs.FileInfo, error)        { return os.Stat(d.path(name)) }
func (d dirFS) Lstat(name string) (fs.FileInfo, error)       { return os.Lstat(d.path(name)) }
func (d dirFS) MkdirAll(name string, perm fs.FileMode) error { return os.MkdirAll(d.path(name), perm) }
func (d dirFS) Remove(name string) error                     { return os.Remove(d.path(name)) }
func (d dirFS) Rename(oldname, newname string) error {
	return os.Rename(d.path(oldname), d.path(newname))
}

// readDirFS lists the directory name of fsys.
func readDirFS(fsys posixFS, name string) ([]fs.DirEntry, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	return des, nil
}

// createTempFS creates a new file named tmpPrefix+<random> in directory dir of fsys, opened for
// writing with mode 0600 (os.CreateTemp for an os.Root).
func createTempFS(fsys posixFS, dir string) (*os.File, string, error) {
	for range 10 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		name := filepath.Join(dir, tmpPrefix+hex.EncodeToString(b[:]))
		f, err := fsys.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return f, name, nil
	}
	return nil, "", fmt.Errorf("create temporary file in %s: too many name collisions", dir)
}

// isEscape reports an os.Root refusal to leave the store root.
func isEscape(err error) bool {
	var pe *fs.PathError
	for errors.As(err, &pe) {
		if pe.Err != nil && pe.Err.Error() == "path escapes from parent" {
			return true
		}
		err = pe.Err
		if err == nil {
			break
		}
	}
	return false
}
