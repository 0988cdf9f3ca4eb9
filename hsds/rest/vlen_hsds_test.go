package rest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/store"
)

// vlenCmpdType is the type of HSDS vlen_test.py testPutVLenCompoundBinary: a big-endian u64, an
// 8-byte string and an array of two variable-length strings.
const vlenCmpdType = `{"class": "H5T_COMPOUND", "fields": [
	{"name": "VALUE1", "type": {"class": "H5T_INTEGER", "base": "H5T_STD_U64BE"}},
	{"name": "VALUE2", "type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 8}},
	{"name": "VALUE3", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}]}`

// vlenCmpdRows encodes rows first..first+n-1 of that test (VALUE1 = i+1, VALUE2 i+5 letters from
// "A"+i, VALUE3 "Hi! " and "Bye!" i+1 times) with VALUE1 in the given order; padded adds the
// 4 zero bytes per row arrayToBytes adds (h5type.HSDSPadding).
func vlenCmpdRows(first, n int, order binary.ByteOrder, padded bool) []byte {
	var b []byte
	for i := first; i < first+n; i++ {
		b = order.(binary.AppendByteOrder).AppendUint64(b, uint64(i+1))
		s := make([]byte, 8)
		for j := 0; j < i+5 && j < 8; j++ {
			s[j] = byte('A' + (i+j)%26)
		}
		b = append(b, s...)
		for _, v := range []string{strings.Repeat("Hi! ", i+1), strings.Repeat("Bye!", i+1)} {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
			b = append(b, v...)
		}
	}
	if padded {
		b = append(b, make([]byte, 4*n)...)
	}
	return b
}

// TestVlenCompoundBinaryHSDS: the padded body of HSDS's clients is taken and answered padded,
// VALUE1 read in their little-endian order and kept in the declared one; every other size
// or a non-zero padding is a 400 naming the sizes.
func TestVlenCompoundBinaryHSDS(t *testing.T) {
	e := newEnv(t, store.NewMemory())
	dom, _ := e.createDomain("vlencmpd.h5")
	id := e.mustStatus(201, e.do("POST", "/datasets", dom, nil, `{"type": `+vlenCmpdType+`, "shape": [4]}`, "test_user1")).json(t)["id"].(string)
	p := "/datasets/" + id + "/value"
	bin := hdrs{"Accept": "application/octet-stream"}

	body := vlenCmpdRows(0, 4, binary.LittleEndian, true)
	if len(body) != 192 {
		t.Fatalf("body is %d bytes, vlen_test.py asserts 192", len(body))
	}
	e.mustStatus(200, e.do("PUT", p, dom, nil, body, "test_user1"))
	want := `[[1, "ABCDE", ["Hi! ", "Bye!"]], [2, "BCDEFG", ["Hi! Hi! ", "Bye!Bye!"]], [3, "CDEFGHI", ["Hi! Hi! Hi! ", "Bye!Bye!Bye!"]], [4, "DEFGHIJK", ["Hi! Hi! Hi! Hi! ", "Bye!Bye!Bye!Bye!"]]]`
	if got := e.mustStatus(200, e.do("GET", p, dom, nil, nil, "test_user1")).body; !bytes.Contains(got, []byte(`"value": `+want)) {
		t.Errorf("JSON read %s, want value %s", got, want)
	}
	r := e.mustStatus(200, e.do("GET", p, dom, nil, nil, "test_user1", bin))
	if wantBin := vlenCmpdRows(0, 4, binary.BigEndian, true); !bytes.Equal(r.body, wantBin) || r.hdr.Get("Content-Length") != "192" {
		t.Errorf("binary read (%s bytes)\n%x\nwant\n%x", r.hdr.Get("Content-Length"), r.body, wantBin)
	}
	r = e.mustStatus(200, e.do("GET", p, dom, q("select", "[1:3]"), nil, "test_user1", bin))
	if wantBin := vlenCmpdRows(1, 2, binary.BigEndian, true); !bytes.Equal(r.body, wantBin) {
		t.Errorf("binary read of [1:3]\n%x\nwant\n%x", r.body, wantBin)
	}

	// Unpadded, and one row broadcast to the selection with element_count (swapped once, not
	// once per element).
	e.mustStatus(200, e.do("PUT", p, dom, nil, vlenCmpdRows(0, 4, binary.LittleEndian, false), "test_user1"))
	e.mustStatus(400, e.do("PUT", p, dom, q("select", "[0:2]"), vlenCmpdRows(3, 1, binary.LittleEndian, true), "test_user1"))
	e.mustStatus(200, e.do("PUT", p, dom, q("select", "[0:2]", "element_count", "1"), vlenCmpdRows(3, 1, binary.LittleEndian, true), "test_user1"))
	r = e.mustStatus(200, e.do("GET", p, dom, nil, nil, "test_user1", bin))
	r3 := vlenCmpdRows(3, 1, binary.BigEndian, false)
	wantBin := slices.Concat(r3, r3, vlenCmpdRows(2, 2, binary.BigEndian, false))
	if wantBin = append(wantBin, make([]byte, 16)...); !bytes.Equal(r.body, wantBin) {
		t.Errorf("after the broadcast write\n%x\nwant\n%x", r.body, wantBin)
	}

	nonzero := bytes.Clone(body)
	nonzero[190] = 1
	for name, b := range map[string][]byte{
		"nonzero padding": nonzero,
		"short padding":   body[:191],
		"long padding":    append(bytes.Clone(body), 0, 0, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do("PUT", p, dom, nil, b, "test_user1")
			msg := fmt.Sprintf("4 elements take 176 bytes, or 192 with the 16 zero bytes HSDS's arrayToBytes pads them with, got %d", len(b))
			if r.code != 400 || !strings.Contains(string(r.body), msg) {
				t.Errorf("status %d %s, want 400 naming %q", r.code, r.body, msg)
			}
		})
	}
}
