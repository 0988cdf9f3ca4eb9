package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/store"
)

// TestHSDSPaddedVlenChunkHsfanReads: HSDS stores a binary value of vlen_test.py
// testPutVLenCompoundBinary's compound as the padded body arrayToBytes makes (192 bytes for
// 176 of data, h5type.HSDSPadding); hsfan's engine reads that chunk as the four elements.
// HSDS keeps VALUE1 in the little-endian order the client sent it (see known_test.go, the
// hop-parity swap), so the elements are the body's first 176 bytes.
func TestHSDSPaddedVlenChunkHsfanReads(t *testing.T) {
	need(t)
	ctx := context.Background()
	runCase(t, func(ck checker) {
		domain := domainName("vlenbin", "padded")
		root := createDomain(ctx, ck, env.hsds, domain)
		typ := `{"class": "H5T_COMPOUND", "fields": [
			{"name": "VALUE1", "type": {"class": "H5T_INTEGER", "base": "H5T_STD_U64BE"}},
			{"name": "VALUE2", "type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 8}},
			{"name": "VALUE3", "type": {"class": "H5T_ARRAY", "dims": [2], "base": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}}}]}`
		body := `{"type": ` + typ + `, "shape": [4], "link": {"id": "` + root + `", "name": "data"}}`
		resp := env.hsds.must(ctx, ck, request{method: "POST", path: "/datasets", query: dq(domain), body: []byte(body)}, 201)
		var ds struct{ ID string }
		if err := json.Unmarshal(resp.body, &ds); err != nil || ds.ID == "" {
			ck.Fatalf("POST dataset: no id in %s", resp)
		}
		value := vlenTestBody()
		env.hsds.must(ctx, ck, request{method: "PUT", path: "/datasets/" + ds.ID + "/value", query: dq(domain), body: value, binary: true}, 200)
		flush(ctx, ck, env.hsds, domain)

		var chunks [][]byte
		if err := env.store.List(ctx, bucket, schema.DatasetPrefix(ds.ID), "", func(e store.Entry) error {
			if strings.HasSuffix(e.Key, ".dataset.json") {
				return nil
			}
			b, _, err := env.store.Get(ctx, bucket, e.Key)
			chunks = append(chunks, b)
			return err
		}); err != nil {
			ck.Fatalf("list chunks: %v", err)
		}
		if len(chunks) != 1 || !bytes.Equal(chunks[0], value) {
			ck.Fatalf("HSDS stored %d chunks, want one equal to the 192-byte body: %x", len(chunks), chunks)
		}
		got, err := engineRead(ctx, domain, []int{4}, sel{})
		if err != nil {
			ck.Fatalf("hsfan engine read: %v", err)
		}
		if !bytes.Equal(got, value[:176]) {
			ck.Errorf("hsfan read\n%x\nwant\n%x", got, value[:176])
		}
	})
}
