package codec

import (
	"bytes"
	"testing"
)

func TestBlosclzKnownStreams(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		want   string
	}{
		{"literal", []byte{0x20 | 2, 'a', 'b', 'c'}, "abc"},
		// "ab" then a match of 3+2=5... len field 1 -> copy 3, distance code 1 -> 2 back.
		{"run match", []byte{0x20 | 1, 'a', 'b', 1 << 5, 1, 0, 'z'}, "ababaz"},
		// long match: len field 7, extension 2 -> copy 6+2+3 = 11 bytes from 1 back.
		{"long run", []byte{0x20 | 0, 'x', 7 << 5, 2, 0, 0, 'y'}, "xxxxxxxxxxxxy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := make([]byte, len(tc.want))
			n, err := blosclzDecode(dst, tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			if string(dst[:n]) != tc.want {
				t.Fatalf("decoded %q, want %q", dst[:n], tc.want)
			}
		})
	}
}

func TestBlosclzDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		stream []byte
		out    int
	}{
		{"literal past input", []byte{5, 'a'}, 10},
		{"literal past output", []byte{5, 1, 2, 3, 4, 5, 6}, 3},
		{"match before start", []byte{0, 'a', 1 << 5, 9, 0}, 10},
		{"match past output", []byte{0, 'a', 6 << 5, 0, 0}, 4},
		{"truncated match", []byte{0, 'a', 1 << 5}, 10},
		{"truncated far", []byte{0, 'a', 1<<5 | 31, 255}, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := blosclzDecode(make([]byte, tc.out), tc.stream); err == nil {
				t.Fatal("corrupt stream accepted")
			}
		})
	}
}

func TestBlosclzRoundTrip(t *testing.T) {
	// A block repeated 64 KB later, after zeros: matches use the far form.
	head := genData("random", 4000, 1, 9)
	far := append(append(append([]byte(nil), head...), make([]byte, 60000)...), head...)
	far = append(far, genData("random", 100, 1, 10)...)
	inputs := map[string][]byte{
		"smooth":  genData("smooth", 20000, 2, 1),
		"ramp":    genData("ramp", 100000, 1, 1),
		"far":     far,
		"zeros":   make([]byte, 5000),
		"pattern": bytes.Repeat([]byte("abcdefghij"), 900),
	}
	for name, src := range inputs {
		for _, clevel := range []int{1, 5, 9} {
			dst := make([]byte, len(src))
			n := blosclzEncode(dst, src, clevel)
			if n == 0 {
				t.Fatalf("%s clevel %d: did not compress", name, clevel)
			}
			out := make([]byte, len(src))
			m, err := blosclzDecode(out, dst[:n])
			if err != nil || m != len(src) || !bytes.Equal(out, src) {
				t.Fatalf("%s clevel %d: round trip failed: n=%d err=%v", name, clevel, m, err)
			}
		}
	}
	if n := blosclzEncode(make([]byte, 3000), genData("random", 3000, 1, 2), 5); n != 0 {
		t.Fatalf("random data compressed to %d bytes", n)
	}
}
