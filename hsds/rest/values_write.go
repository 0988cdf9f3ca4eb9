package rest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/selection"
)

func (s *Server) putValue(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.valueDataset(r, actUpdate)
	if ov, ok := err.(*openedVlen); ok {
		return s.putValueVlen(w, r, ov.rq, ov.vd)
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	var (
		body    map[string]json.RawMessage
		pyValue []byte
		binData []byte
	)
	binary := isBinaryBody(r)
	if binary {
		if binData, err = readBody(r, s.cfg.MaxRequestBytes); err != nil {
			return err
		}
	} else if body, pyValue, err = decodeValueBody(r, s.cfg.MaxRequestBytes); err != nil {
		return err
	}
	if qs, err := stringOption(r, body, "query"); err != nil {
		return err
	} else if qs != "" {
		return s.putQuery(w, r, rq, d, body, pyValue, qs)
	}
	wt, spans, err := writeFields(r, body, d)
	if err != nil {
		return err
	}
	itemsize := wt.Size()
	app, err := parseAppend(r, d, body)
	if err != nil {
		return err
	}
	ec, hasEC, err := elementCount(r, body)
	if err != nil {
		return err
	}
	var (
		sel  *selection.Selection
		pts  [][]int
		data []byte
	)
	if raw, ok := body["points"]; ok && string(raw) != "null" {
		if app != nil {
			return httpErr(http.StatusBadRequest, "points not valid with append update")
		}
		if len(d.Dims) == 0 {
			return httpErr(http.StatusBadRequest, "points are not allowed on a scalar dataset")
		}
		if pts, err = parsePoints(ctx, raw, len(d.Dims)); err != nil {
			return err
		}
		if err := selection.Points(pts, d.Dims); err != nil {
			return badRequest(err)
		}
	} else if app != nil || binary {
		if sel, err = s.appendOrSelect(r, d, app); err != nil {
			return err
		}
	} else if sel, err = bodySelection(r, body, d.Dims); err != nil {
		return err
	}
	count, shape := len(pts), []int{len(pts)}
	if sel != nil {
		count, shape = int(sel.Count()), sel.Shape()
	}
	// The shape of the value given: the selection's, or with element_count the trailing
	// dimensions holding that many elements (HSDS arrayUtil.py getBroadcastShape).
	valShape := shape
	if hasEC {
		if valShape, err = broadcastShape(shape, count, ec); err != nil {
			return err
		}
	}
	n := 1
	for _, e := range valShape {
		n *= e
	}
	switch {
	case binary:
		data = binData
	case body["value_base64"] != nil:
		var s64 string
		if err := json.Unmarshal(body["value_base64"], &s64); err != nil {
			return httpErr(http.StatusBadRequest, "value_base64 must be a string")
		}
		if data, err = base64.StdEncoding.DecodeString(s64); err != nil {
			return httpErr(http.StatusBadRequest, "value_base64: %v", err)
		}
	case pyValue != nil && canDecodeList(wt, valShape, pyValue):
		if exceeds(int64(n), int64(itemsize), s.cfg.MaxRequestBytes) {
			// Refused before decoding (broadcast below would refuse it after).
			return httpErr(http.StatusRequestEntityTooLarge, "a write of %d elements of %d bytes is more than the %d byte limit", n, itemsize, s.cfg.MaxRequestBytes)
		}
		// At most one element per two body bytes ("1,"): the buffer never outgrows this.
		size := min(n, len(pyValue)/2+1) * itemsize
		if err := reserve(ctx, int64(size)); err != nil {
			return err
		}
		if data, err = decodeListValue(make([]byte, 0, size), wt, pyValue, valShape); err != nil {
			return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", valShape, err)
		}
	case pyValue != nil || (body["value"] != nil && string(body["value"]) != "null"):
		raw := body["value"]
		if pyValue != nil {
			if raw, err = jsonValueToStd(pyValue); err != nil {
				return httpErr(http.StatusBadRequest, "invalid JSON body: %v", err)
			}
		}
		if err := reserve(ctx, decodeEstimate*int64(len(raw))); err != nil {
			return err
		}
		v, err := pyjson.DecodeValue(raw)
		if err != nil {
			return httpErr(http.StatusBadRequest, "invalid value: %v", err)
		}
		if data, err = wt.EncodeValue(v, valShape); err != nil {
			return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", valShape, err)
		}
	default:
		return httpErr(http.StatusBadRequest, "PUT value needs value, value_base64 or a binary body")
	}
	if data, err = broadcast(data, itemsize, count, n, s.cfg.MaxRequestBytes); err != nil {
		return err
	}
	if spans != nil {
		// fields=: spread the given fields over whole elements; the others are kept.
		if data, err = spreadFields(ctx, data, wt, d); err != nil {
			return err
		}
	}
	if err := reserve(ctx, chunkWriteBytes(d, len(data), s.cfg.ReadConcurrency)); err != nil {
		return err
	}
	if app != nil {
		// The data is valid: grow the dataset atomically and write where this append landed.
		obj, start, err := rq.f.Extend(ctx, d.ID, app.dim, app.n)
		if err != nil {
			return err
		}
		if d, err = hdf.OpenDataset(rq.f.Store(), rq.f.Bucket(), obj); err != nil {
			return err
		}
		if sel, err = appendSelection(d.Dims, app.dim, start, app.n); err != nil {
			return err
		}
	}
	switch {
	case pts != nil:
		err = s.writePoints(r, d, pts, data, spans)
	case spans != nil:
		err = d.WriteSpans(ctx, sel, data, spans, s.cfg.ReadConcurrency)
	default:
		err = d.Write(ctx, sel, data, s.cfg.ReadConcurrency)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj())
}

// broadcast checks data against n elements of itemsize bytes (the value given) and repeats it
// to the count elements of the selection (n divides count: element_count, HSDS PUT_Value's
// broadcast), which must stay under limit bytes.
func broadcast(data []byte, itemsize, count, n int, limit int64) ([]byte, error) {
	if exceeds(int64(count), int64(itemsize), limit) {
		return nil, httpErr(http.StatusRequestEntityTooLarge, "a write of %d elements of %d bytes is more than the %d byte limit", count, itemsize, limit)
	}
	if len(data) != n*itemsize {
		if n == count {
			return nil, httpErr(http.StatusBadRequest, "got %d bytes of data for %d elements of %d bytes", len(data), count, itemsize)
		}
		return nil, httpErr(http.StatusBadRequest, "got %d bytes of data for element_count %d of %d bytes", len(data), n, itemsize)
	}
	if n == count {
		return data, nil
	}
	want := count * itemsize
	out := make([]byte, 0, want)
	for len(out) < want {
		out = append(out, data...)
	}
	return out, nil
}

// broadcastShape is HSDS's arrayUtil.py getBroadcastShape: the shape of an element_count value
// that numpy broadcasts over a selection of the given shape: the shape itself when ec is its
// element count, [1] for 1, else the trailing dimensions whose product is ec; anything else is
// 400.
func broadcastShape(shape []int, count, ec int) ([]int, error) {
	switch {
	case ec == count:
		return shape, nil
	case ec == 1:
		return []int{1}, nil
	}
	p := 1
	for i := len(shape) - 1; i > 0; i-- {
		p *= shape[i]
		if p == ec {
			return append([]int(nil), shape[i:]...), nil
		}
	}
	return nil, httpErr(http.StatusBadRequest, "element_count %d not compatible with selection shape: %v", ec, shape)
}

// elementCount reads element_count from the JSON body (an integer) or the query.
func elementCount(r *http.Request, body map[string]json.RawMessage) (int, bool, error) {
	if raw, ok := body["element_count"]; ok && string(raw) != "null" {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil || n <= 0 {
			return 0, false, httpErr(http.StatusBadRequest, "expected a positive int value for element_count, got %s", raw)
		}
		return n, true, nil
	}
	if r.URL.Query().Get("element_count") == "" {
		return 0, false, nil
	}
	n, err := intParam(r, "element_count", 0)
	if err != nil {
		return 0, false, err
	}
	if n <= 0 {
		return 0, false, httpErr(http.StatusBadRequest, "invalid element_count %d: want a positive integer", n)
	}
	return n, true, nil
}

// stringOption reads a string option from the JSON body, else from the query (HSDS reads
// fields, query and the like from either, the body first).
func stringOption(r *http.Request, body map[string]json.RawMessage, key string) (string, error) {
	if raw, ok := body[key]; ok && string(raw) != "null" {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", httpErr(http.StatusBadRequest, "invalid %q in body: want a string", key)
		}
		return v, nil
	}
	return r.URL.Query().Get(key), nil
}

// writeFields returns the type of the values a write gives: the dataset's, or with fields=
// (body or query; names split on ':') the packed compound of those fields and the byte spans
// they occupy in a whole element (HSDS chunk_sn.py _getSelectDtype).
func writeFields(r *http.Request, body map[string]json.RawMessage, d *hdf.Dataset) (*h5type.Type, []hdf.ByteSpan, error) {
	fs, err := stringOption(r, body, "fields")
	if err != nil || fs == "" {
		return d.Type, nil, err
	}
	sub, err := d.Type.SubsetFields(strings.Split(fs, ":"))
	if err != nil {
		return nil, nil, httpErr(http.StatusBadRequest, "invalid fields selection: %v", err)
	}
	if sub.Size() < 0 {
		return nil, nil, httpErr(http.StatusBadRequest, "fields= writes of variable-length fields are not supported")
	}
	var spans []hdf.ByteSpan
	for _, f := range sub.Fields() {
		full, _ := d.Type.Field(f.Name)
		spans = append(spans, hdf.ByteSpan{Off: full.Offset, Len: f.Type.Size()})
	}
	return sub, spans, nil
}

// spreadFields turns packed elements of sub (a field subset of d's type) into whole elements
// of d's type, each field at its place and the other bytes zero.
func spreadFields(ctx context.Context, data []byte, sub *h5type.Type, d *hdf.Dataset) ([]byte, error) {
	n := len(data) / sub.Size()
	if err := reserve(ctx, int64(n)*int64(d.ItemSize)); err != nil {
		return nil, err
	}
	out := make([]byte, n*d.ItemSize)
	fields := sub.Fields()
	for e := range n {
		src := data[e*sub.Size() : (e+1)*sub.Size()]
		dst := out[e*d.ItemSize : (e+1)*d.ItemSize]
		for _, f := range fields {
			full, _ := d.Type.Field(f.Name)
			copy(dst[full.Offset:full.Offset+f.Type.Size()], src[f.Offset:f.Offset+f.Type.Size()])
		}
	}
	return out, nil
}

// appendReq is a validated append=N&append_dim=D.
type appendReq struct{ n, dim int }

// parseAppend reads append and append_dim from the JSON body or the query (HSDS chunk_sn.py
// _getAppendRows, _getAppendDim: the body first); nil when there is no append.
func parseAppend(r *http.Request, d *hdf.Dataset, body map[string]json.RawMessage) (*appendReq, error) {
	q := r.URL.Query()
	a := q.Get("append")
	if raw, ok := body["append"]; ok && string(raw) != "null" && string(raw) != "0" && string(raw) != "false" {
		a = strings.Trim(string(raw), `"`)
	}
	if a == "" {
		return nil, nil
	}
	if q.Get("select") != "" || body["select"] != nil || body["start"] != nil || body["stop"] != nil || body["step"] != nil {
		return nil, httpErr(http.StatusBadRequest, "select query parameter can not be used with append")
	}
	n, err := strconv.Atoi(a)
	if err != nil || n <= 0 || n > hdf.MaxExtent {
		return nil, httpErr(http.StatusBadRequest, "invalid append %q", a)
	}
	if len(d.Dims) == 0 {
		return nil, httpErr(http.StatusBadRequest, "append can't be used in scalar or null space datasets")
	}
	dim, err := intParam(r, "append_dim", 0)
	if err != nil {
		return nil, err
	}
	if raw, ok := body["append_dim"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &dim); err != nil {
			return nil, httpErr(http.StatusBadRequest, "invalid append_dim")
		}
	}
	maxdims := d.Obj.Shape.MaxDims
	extensible := false
	for i := range maxdims {
		if maxdims[i] == 0 || maxdims[i] > d.Dims[i] {
			extensible = true
		}
	}
	if !extensible {
		return nil, httpErr(http.StatusBadRequest, "Dataset shape must be extensible for packet updates")
	}
	if dim < 0 || dim >= len(d.Dims) {
		return nil, httpErr(http.StatusBadRequest, "append_dim %d out of range for rank %d", dim, len(d.Dims))
	}
	if maxdims[dim] != 0 && d.Dims[dim]+n > maxdims[dim] {
		return nil, httpErr(http.StatusConflict, "append of %d to extent %d exceeds maxdims %d", n, d.Dims[dim], maxdims[dim])
	}
	return &appendReq{n: n, dim: dim}, nil
}

// appendOrSelect returns the selection of a write: the select parameter, or, for an append, a
// selection of the appended shape (its place is fixed when the dataset is extended).
func (s *Server) appendOrSelect(r *http.Request, d *hdf.Dataset, app *appendReq) (*selection.Selection, error) {
	if app != nil {
		dims := append([]int(nil), d.Dims...)
		if app.n > hdf.MaxExtent-dims[app.dim] {
			return nil, httpErr(http.StatusBadRequest, "append of %d to extent %d is too large", app.n, dims[app.dim])
		}
		dims[app.dim] += app.n
		return appendSelection(dims, app.dim, d.Dims[app.dim], app.n)
	}
	sel, err := selection.Parse(r.URL.Query().Get("select"), d.Dims)
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

// appendSelection selects [start:start+n] along dim and everything along the other dimensions.
func appendSelection(dims []int, dim, start, n int) (*selection.Selection, error) {
	parts := make([]string, len(dims))
	for i := range parts {
		parts[i] = ":"
	}
	parts[dim] = fmt.Sprintf("%d:%d", start, start+n)
	sel, err := selection.Parse("["+strings.Join(parts, ",")+"]", dims)
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

// writePoints writes one element per point, chunk by chunk.
// With spans (fields=), only those bytes of each element are written.
func (s *Server) writePoints(r *http.Request, d *hdf.Dataset, pts [][]int, data []byte, spans []hdf.ByteSpan) error {
	groups, err := selection.GroupPoints(pts, d.ChunkDims)
	if err != nil {
		return badRequest(err)
	}
	is := d.ItemSize
	touched := func() [][]int {
		out := make([][]int, len(groups))
		for i, g := range groups {
			out[i] = g.Index
		}
		return out
	}
	return d.WriteGuarded(r.Context(), touched, func(ctx context.Context) error {
		return forEach(ctx, len(groups), s.cfg.ReadConcurrency, func(i int) error {
			g := groups[i]
			return d.UpdateChunk(ctx, g.Index, func(chunk []byte) error {
				for _, p := range g.Points {
					dst, src := chunk[p.Offset*int64(is):(p.Offset+1)*int64(is)], data[p.Point*is:(p.Point+1)*is]
					if spans == nil {
						copy(dst, src)
						continue
					}
					for _, sp := range spans {
						copy(dst[sp.Off:sp.Off+sp.Len], src[sp.Off:sp.Off+sp.Len])
					}
				}
				return nil
			})
		})
	})
}

// chunkWriteBytes estimates what writing n bytes holds at once in the chunk updates: a decoded
// and an encoded copy of up to concurrency chunks (hdf.Dataset.UpdateChunk), and never more
// than twice the data.
func chunkWriteBytes(d *hdf.Dataset, n, concurrency int) int64 {
	chunk := int64(d.ItemSize)
	for _, c := range d.ChunkDims {
		chunk *= int64(c)
	}
	return 2 * min(int64(n), int64(concurrency)*chunk)
}
