package schema

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	exRoot  = "g-b30ad98c-55a249ba-3b82-5104dd-2ac132"
	exGroup = "g-b30ad98c-55a249ba-5c3c-55848c-1902c1"
	exDset  = "d-b30ad98c-55a249ba-932f-5e1c38-222ec1"
	exType  = "t-b30ad98c-55a249ba-1234-abcdef-012345"
)

func seq16() *bytes.Reader {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(i)
	}
	return bytes.NewReader(b)
}

func TestNewRootIDMimicsHSDS(t *testing.T) {
	// sha256("000102030405460788090a0b0c0d0e0f") = a15d5ebc512f3c7e..., computed
	// with Python's hashlib; the last 16 are the first 16 rotated by 8.
	id, err := NewRootID('g', seq16())
	if err != nil {
		t.Fatal(err)
	}
	want := "g-a15d5ebc-512f3c7e-29d5-d634d9-a7b4f6"
	if id != want {
		t.Fatalf("NewRootID = %s, want %s", id, want)
	}
	if !IsRootID(id) || RootOf(id) != id {
		t.Fatalf("IsRootID/RootOf failed for %s", id)
	}
	if err := ValidateID(id); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRootID('x', seq16()); err == nil {
		t.Fatal("bad kind accepted")
	}
	if _, err := NewRootID('g', bytes.NewReader([]byte{1, 2})); err == nil {
		t.Fatal("short random source accepted")
	}
}

func TestNewObjID(t *testing.T) {
	id, err := NewObjID(exRoot, 'd', seq16())
	if err != nil {
		t.Fatal(err)
	}
	// first 16 hex from the root, last 16 = sha256 hex chars 16..32
	want := "d-b30ad98c-55a249ba-e9ff-2a2f3a-c29239"
	if id != want {
		t.Fatalf("NewObjID = %s, want %s", id, want)
	}
	if IsRootID(id) || RootOf(id) != exRoot || Kind(id) != 'd' {
		t.Fatalf("root/kind wrong for %s", id)
	}
	if _, err := NewObjID("g-nothex", 'g', seq16()); err == nil {
		t.Fatal("bad root accepted")
	}
	if _, err := NewObjID(exRoot, 'c', seq16()); err == nil {
		t.Fatal("kind c accepted")
	}
}

func TestIsRootIDExamples(t *testing.T) {
	tests := []struct {
		id   string
		root bool
	}{
		{exRoot, true},
		{exGroup, false},
		{exDset, false},
		{"g-00000000-00000000-8888-888888-888888", true},
		{"garbage", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := IsRootID(tc.id); got != tc.root {
				t.Fatalf("IsRootID = %v, want %v", got, tc.root)
			}
		})
	}
	if RootOf(exGroup) != exRoot || RootOf(exDset) != exRoot || RootOf("nope") != "" {
		t.Fatal("RootOf wrong")
	}
}

func TestValidateID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{exRoot, true},
		{exDset, true},
		{exType, true},
		{"c-b30ad98c-55a249ba-932f-5e1c38-222ec1_0_0", true},
		{"c12-b30ad98c-55a249ba-932f-5e1c38-222ec1_3", true},
		{"d-12345678-1234-1234-1234-1234567890ab", true}, // schema v1 uuid
		{"", false},
		{"d-b30ad98c", false},
		{"x-b30ad98c-55a249ba-932f-5e1c38-222ec1", false},
		{"dxb30ad98c-55a249ba-932f-5e1c38-222ec1", false},
		{"d-b30ad98c-55a249ba-932f-5e1c38-222ec1x", false},
		{"d-b30ad98c-55a249ba-932f-5e1c38-222e/1", false},
		{"d-b30ad98c-55a249ba-932f-5e1c38-222ez1", false}, // not hex in v2 layout
		{"c-b30ad98c-55a249ba-932f-5e1c38-222ec1", false}, // no index
		{"c-b30ad98c-55a249ba-932f-5e1c38-222ec1_a", false},
		{"cx-b30ad98c-55a249ba-932f-5e1c38-222ec1_0", false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			err := ValidateID(tc.id)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v does not match ErrInvalidID", err)
			}
		})
	}
	if !IsSchema2ID(exDset) || IsSchema2ID("d-12345678-1234-1234-1234-1234567890ab") {
		t.Fatal("IsSchema2ID wrong")
	}
}

func TestChunkIDRoundTrip(t *testing.T) {
	id := ChunkID(exDset, []int{3, 0, 12})
	if id != "c-b30ad98c-55a249ba-932f-5e1c38-222ec1_3_0_12" {
		t.Fatalf("ChunkID = %s", id)
	}
	d, idx, p, err := ParseChunkID(id)
	if err != nil || d != exDset || p != -1 || !cmp.Equal(idx, []int{3, 0, 12}) {
		t.Fatalf("ParseChunkID = %s %v %d %v", d, idx, p, err)
	}
	d, idx, p, err = ParseChunkID("c7-b30ad98c-55a249ba-932f-5e1c38-222ec1_1_2")
	if err != nil || d != exDset || p != 7 || !cmp.Equal(idx, []int{1, 2}) {
		t.Fatalf("ParseChunkID partitioned = %s %v %d %v", d, idx, p, err)
	}
	for _, bad := range []string{exDset, "c-b30ad98c-55a249ba-932f-5e1c38-222ec1_1__2", "c-" + strings.Repeat("0", 30) + "_1"} {
		if _, _, _, err := ParseChunkID(bad); err == nil {
			t.Errorf("ParseChunkID(%q) accepted", bad)
		}
	}
}
