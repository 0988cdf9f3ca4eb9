package schema

import (
	"errors"
	"testing"
)

func TestValidateDomainPath(t *testing.T) {
	tests := []struct {
		p  string
		ok bool
	}{
		{"/home/u/f.h5", true},
		{"/home", true},
		{"/home/u/.hidden.h5", true},
		{"", false},
		{"/", false},
		{"home/u/f.h5", false},
		{"/home/u/", false},
		{"/home/../../etc", false},
		{"/home/./f", false},
		{"/home//f", false},
		{"/home/u\x00/f", false},
		{"/home\\u/f", false},
		{"/home/\nf", false},
	}
	for _, tc := range tests {
		t.Run(tc.p, func(t *testing.T) {
			err := ValidateDomainPath(tc.p)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateDomainPath(%q) = %v, want ok=%v", tc.p, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidDomain) {
				t.Fatalf("err %v is not ErrInvalidDomain", err)
			}
		})
	}
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		param, bucket, path string
		ok                  bool
	}{
		{"/home/u/f.h5", "hsdstest", "/home/u/f.h5", true},
		{"hdf5://home/u/f.h5", "hsdstest", "/home/u/f.h5", true},
		{"mybucket/home/u/f.h5", "mybucket", "/home/u/f.h5", true},
		{"", "", "", false},
		{"nobucketpath", "", "", false},
		{"/home/u/", "", "", false},
		{"b/home/../../etc", "", "", false},
		{"/home/../../etc", "", "", false},
		{"..//etc", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.param, func(t *testing.T) {
			b, p, err := ParseDomain(tc.param, "hsdstest")
			if (err == nil) != tc.ok {
				t.Fatalf("ParseDomain(%q) err = %v, want ok=%v", tc.param, err, tc.ok)
			}
			if tc.ok && (b != tc.bucket || p != tc.path) {
				t.Fatalf("ParseDomain(%q) = %q, %q", tc.param, b, p)
			}
		})
	}
}

func TestParentDomain(t *testing.T) {
	for in, want := range map[string]string{
		"/home/u/f.h5": "/home/u",
		"/home/u":      "/home",
		"/home":        "",
		"":             "",
	} {
		if got := ParentDomain(in); got != want {
			t.Errorf("ParentDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
