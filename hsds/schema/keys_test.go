package schema

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestObjectKey(t *testing.T) {
	tests := []struct {
		id, want string
	}{
		{exRoot, "db/b30ad98c-55a249ba/.group.json"},
		{exGroup, "db/b30ad98c-55a249ba/g/5c3c-55848c-1902c1/.group.json"},
		{exDset, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/.dataset.json"},
		{exType, "db/b30ad98c-55a249ba/t/1234-abcdef-012345/.datatype.json"},
		{"c-b30ad98c-55a249ba-932f-5e1c38-222ec1_0", ""},
		{"nonsense", ""},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got, err := ObjectKey(tc.id)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ObjectKey(%q) = %q, want error", tc.id, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ObjectKey = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if DatasetPrefix(exDset) != "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/" || DatasetPrefix("x") != "" {
		t.Fatal("DatasetPrefix wrong")
	}
	if InfoKey(exRoot) != "db/b30ad98c-55a249ba/.info.json" {
		t.Fatal("InfoKey wrong")
	}
}

func TestChunkKey(t *testing.T) {
	tests := []struct {
		name  string
		index []int
		parts int
		want  string
	}{
		{"verified 2d", []int{0, 0}, 0, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/0_0"},
		{"scalar", []int{0}, 0, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/0"},
		{"scalar empty index", nil, 0, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/0"},
		{"partition off at 1", []int{1, 2}, 1, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/1_2"},
		// (1*29 + 2*31) % 7 = 0 and (3*29+4*31+5*37) % 10 = 6 (Python)
		{"partitioned", []int{1, 2}, 7, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/p0/1_2"},
		{"partitioned 3d", []int{3, 4, 5}, 10, "db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/p6/3_4_5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ChunkKey(exDset, tc.index, tc.parts)
			if got != tc.want {
				t.Fatalf("ChunkKey = %q, want %q", got, tc.want)
			}
			d, idx, p, err := ParseChunkKey(got)
			if err != nil || d != exDset {
				t.Fatalf("ParseChunkKey = %q %v", d, err)
			}
			wantIdx := tc.index
			if wantIdx == nil {
				wantIdx = []int{0}
			}
			if !cmp.Equal(idx, wantIdx) || p != Partition(tc.index, tc.parts) {
				t.Fatalf("ParseChunkKey index %v partition %d", idx, p)
			}
		})
	}
	// 12-dim index wraps PRIMES: Python gives 7.
	idx := make([]int, 12)
	for i := range idx {
		idx[i] = i
	}
	if p := Partition(idx, 13); p != 7 {
		t.Fatalf("Partition 12d = %d, want 7", p)
	}
}

func TestParseChunkKeyErrors(t *testing.T) {
	for _, k := range []string{
		"",
		"db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/.dataset.json",
		"db/b30ad98c-55a249ba/g/932f-5e1c38-222ec1/0_0",
		"db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/x1/0_0",
		"db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/0_-1",
		"db/zz0ad98c-55a249ba/d/932f-5e1c38-222ec1/0_1",
		"db/b30ad98c-55a249ba/d/932f-5e1c38-222ec1/99999999999999999999",
	} {
		if _, _, _, err := ParseChunkKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ParseChunkKey(%q) err = %v", k, err)
		}
	}
}

func TestDomainKey(t *testing.T) {
	k, err := DomainKey("/home/test_user1/example.h5")
	if err != nil || k != "home/test_user1/example.h5/.domain.json" {
		t.Fatalf("DomainKey = %q %v", k, err)
	}
	p, err := DomainFromKey(k)
	if err != nil || p != "/home/test_user1/example.h5" {
		t.Fatalf("DomainFromKey = %q %v", p, err)
	}
	if _, err := DomainKey("/home/../../etc"); !errors.Is(err, ErrInvalidDomain) {
		t.Fatalf("DomainKey traversal err = %v", err)
	}
	if _, err := DomainFromKey("home/x"); err == nil {
		t.Fatal("DomainFromKey accepted a non-domain key")
	}
}
