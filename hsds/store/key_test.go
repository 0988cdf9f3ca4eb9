package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"db/0123-4567/.domain.json", true},
		{"home/u/f.h5/.domain.json", true},
		{"a/...", true},
		{"..a/b..", true},
		{".hidden", true},
		{"x/.sgwtmp", true},
		{"a b/ü", true},
		{strings.Repeat("e", 255), true},
		{strings.Repeat("e/", 511) + "e", true}, // 1023 bytes
		{"", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{".", false},
		{"..", false},
		{"a/.", false},
		{"a/../b", false},
		{"../../etc/passwd", false},
		{"a\\..\\b", false},
		{"a\x00", false},
		{"\xff\xfe", false},
		{strings.Repeat("e", 256), false},
		{strings.Repeat("k", MaxKeyLen+1), false},
		{".hsfan-tmp-123", false},
		{"a/.hsfan-tmp-", false},
		{".sgwtmp", false},
		{".sgwtmp/x", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			err := ValidateKey(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateKey(%q) = %v, want ok %v", tc.key, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidKey) {
				t.Errorf("error %v does not match ErrInvalidKey", err)
			}
		})
	}
}

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true}, {"a", true}, {"a/", true}, {"a/.", true}, {"a/..", true}, {"db/x/.dom", true}, {".sgwtmp", true},
		{"/", false}, {"/a", false}, {"a//", false}, {"../", false}, {"a/../", false}, {"./", false}, {"a\\", false},
	}
	for _, tc := range tests {
		if err := validatePrefix(tc.prefix); (err == nil) != tc.ok {
			t.Errorf("validatePrefix(%q) = %v, want ok %v", tc.prefix, err, tc.ok)
		}
	}
}

func TestValidateBucket(t *testing.T) {
	tests := []struct {
		bucket string
		ok     bool
	}{
		{"hsdstest", true}, {"my-bucket.v2_x", true}, {"B", true},
		{"", false}, {".", false}, {"..", false}, {".vgwlocks", false}, {"a/b", false}, {"a\\b", false},
		{"a b", false}, {"ü", false}, {strings.Repeat("b", 256), false},
	}
	for _, tc := range tests {
		err := ValidateBucket(tc.bucket)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidBucket)) {
			t.Errorf("ValidateBucket(%q) = %v, want ok %v", tc.bucket, err, tc.ok)
		}
	}
}

// FuzzValidateKey checks that an accepted key always names a path strictly
// inside DIR/<bucket> that maps back to the same key.
func FuzzValidateKey(f *testing.F) {
	for _, s := range []string{"a", "a/b/c", "../x", "a/..", "a//b", "/a", ".", "a\\b", "a\x00", ".hsfan-tmp-1", "\xff"} {
		f.Add(s)
	}
	const base = "/root/bkt"
	f.Fuzz(func(t *testing.T, key string) {
		if ValidateKey(key) != nil {
			return
		}
		p := filepath.Join(base, filepath.FromSlash(key))
		if !strings.HasPrefix(p, base+"/") {
			t.Fatalf("key %q escapes to %q", key, p)
		}
		if rel, err := filepath.Rel(base, p); err != nil || filepath.ToSlash(rel) != key {
			t.Fatalf("key %q maps to %q (rel %q, %v)", key, p, rel, err)
		}
		if validatePrefix(key) != nil {
			t.Fatalf("key %q is not a valid prefix", key)
		}
	})
}

// FuzzValidateBucket checks that an accepted bucket is one path element.
func FuzzValidateBucket(f *testing.F) {
	for _, s := range []string{"b", "..", ".x", "a/b", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b string) {
		if ValidateBucket(b) != nil {
			return
		}
		if filepath.Base(b) != b || b == "." || b == ".." || strings.ContainsAny(b, "/\\\x00") {
			t.Fatalf("bucket %q accepted", b)
		}
	})
}

func TestCommonPrefix(t *testing.T) {
	tests := []struct {
		prefix, delim, key, want string
		ok                       bool
	}{
		{"", "/", "a/b/c", "a/", true},
		{"a/", "/", "a/b/c", "a/b/", true},
		{"a/", "/", "a/b", "", false},
		{"", "", "a/b", "", false},
		{"", "::", "x::y::z", "x::", true},
		{"p", "/", "q/x", "", false},
	}
	for _, tc := range tests {
		got, ok := commonPrefix(tc.prefix, tc.delim, tc.key)
		if got != tc.want || ok != tc.ok {
			t.Errorf("commonPrefix(%q, %q, %q) = %q, %v; want %q, %v", tc.prefix, tc.delim, tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func TestNormalizeETag(t *testing.T) {
	for in, want := range map[string]string{`"ABC"`: "abc", `W/"abc"`: "abc", "abc": "abc", ` "x" `: "x", "": ""} {
		if got := NormalizeETag(in); got != want {
			t.Errorf("NormalizeETag(%q) = %q, want %q", in, got, want)
		}
	}
}
