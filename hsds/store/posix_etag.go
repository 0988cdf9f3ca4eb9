package store

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const (
	// xattrETag caches "<md5hex> <size> <mtime unix ns>" on each object.
	xattrETag = "user.hsfan.etag"
	// xattrSGWETag is versitygw's ETag attribute (a quoted MD5).
	xattrSGWETag = "user.etag"
)

// cachedETag returns the ETag cached on f if it was recorded for exactly
// this size and modification time.
func cachedETag(f *os.File, fi os.FileInfo) (string, bool) {
	var buf [128]byte
	n, err := unix.Fgetxattr(int(f.Fd()), xattrETag, buf[:])
	if err != nil || n <= 0 {
		return "", false
	}
	fields := strings.Fields(string(buf[:n]))
	if len(fields) != 3 || len(fields[0]) != 2*md5.Size {
		return "", false
	}
	size, err1 := strconv.ParseInt(fields[1], 10, 64)
	mtime, err2 := strconv.ParseInt(fields[2], 10, 64)
	if err1 != nil || err2 != nil || size != fi.Size() || mtime != fi.ModTime().UnixNano() {
		return "", false
	}
	if _, err := hex.DecodeString(fields[0]); err != nil {
		return "", false
	}
	return strings.ToLower(fields[0]), true
}

// setETagAttrs records etag on f for its current size and mtime, plus
// versitygw's attribute. Errors (no xattr support, read-only files) are
// returned for the caller to ignore or not.
func setETagAttrs(f *os.File, fi os.FileInfo, etag string, sgw bool) error {
	v := fmt.Sprintf("%s %d %d", etag, fi.Size(), fi.ModTime().UnixNano())
	if err := unix.Fsetxattr(int(f.Fd()), xattrETag, []byte(v), 0); err != nil {
		return fmt.Errorf("set xattr %s on %s: %w", xattrETag, f.Name(), err)
	}
	if sgw {
		if err := unix.Fsetxattr(int(f.Fd()), xattrSGWETag, []byte(`"`+etag+`"`), 0); err != nil {
			return fmt.Errorf("set xattr %s on %s: %w", xattrSGWETag, f.Name(), err)
		}
	}
	return nil
}

// fileETag returns the ETag of the open file f: cached, or computed by
// reading it (and then cached, best effort).
func fileETag(f *os.File, fi os.FileInfo) (string, error) {
	if etag, ok := cachedETag(f, fi); ok {
		return etag, nil
	}
	h := md5.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return "", fmt.Errorf("hash %s: %w", f.Name(), err)
	}
	etag := hex.EncodeToString(h.Sum(nil))
	_ = setETagAttrs(f, fi, etag, false)
	return etag, nil
}

// infoOf builds ObjectInfo from a file's metadata.
func infoOf(key string, fi os.FileInfo, etag string) ObjectInfo {
	return ObjectInfo{Key: key, Size: fi.Size(), ETag: etag, LastModified: fi.ModTime()}
}
