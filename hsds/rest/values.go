package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
)

const octet = "application/octet-stream"

func wantsBinary(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), octet)
}

func isBinaryBody(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), octet)
}

// isLambda reports a request that arrived through a Lambda envelope (HSDS isAWSLambda).
func isLambda(r *http.Request) bool {
	return strings.Contains(r.Header.Get("User-Agent"), "AWSLambda")
}

// openedVlen is not a failure: it is how valueDataset hands back a variable-length dataset it
// opened (through its error result), so that the caller takes the variable-length path
// (getValueVlen, putValueVlen, postValueVlen) with the request and the VlenDataset.
type openedVlen struct {
	rq *request
	vd *hdf.VlenDataset
}

func (e *openedVlen) Error() string { return "variable-length dataset" }

// valueDataset opens the dataset of a value route for I/O. Datasets of variable-length types
// come back as an *openedVlen (in the error result) holding a VlenDataset.
func (s *Server) valueDataset(r *http.Request, act aclAction) (*request, *hdf.Dataset, error) {
	rq, obj, err := s.datasetFor(r, act)
	if err != nil {
		return nil, nil, err
	}
	if obj.Shape.Class == schema.ShapeNull {
		return nil, nil, httpErr(http.StatusBadRequest, "H5S_NULL dataset %s has no values", obj.ID)
	}
	if t, err := h5type.Parse(obj.Type); err == nil && t.IsVariable() {
		vd, err := hdf.OpenVlenDataset(rq.f.Store(), rq.f.Bucket(), obj)
		if err != nil {
			return nil, nil, badRequestIfInvalid(err)
		}
		return nil, nil, &openedVlen{rq: rq, vd: vd}
	}
	d, err := hdf.OpenDataset(rq.f.Store(), rq.f.Bucket(), obj)
	if err != nil {
		return nil, nil, badRequestIfInvalid(err)
	}
	d.SetChunkCache(s.chunks)
	return rq, d, nil
}

func (s *Server) valueHrefs(r *http.Request, rq *request, d *hdf.Dataset) []*jobj {
	p := "/datasets/" + d.ID
	return []*jobj{s.href(r, "self", p+"/value", rq.dom), s.href(r, "root", "/groups/"+d.Obj.Root, rq.dom),
		s.href(r, "home", "/", rq.dom), s.href(r, "owner", p, rq.dom)}
}

// fieldsType returns the compound subset type for the fields parameter (nil when absent).
func fieldsType(r *http.Request, d *hdf.Dataset) (*h5type.Type, error) {
	fs := r.URL.Query().Get("fields")
	if fs == "" {
		return nil, nil
	}
	sub, err := d.Type.SubsetFields(strings.Split(fs, ":"))
	if err != nil {
		return nil, badRequest(err)
	}
	return sub, nil
}

// limitFor is the largest non-streamed response: max_request_size, halved (minus 1000) under
// Lambda to leave room for hex encoding.
func (s *Server) limitFor(r *http.Request) int64 {
	if isLambda(r) || s.cfg.Lambda {
		return (s.cfg.MaxRequestBytes - 1000) / 2
	}
	return s.cfg.MaxRequestBytes
}

// bodySelection builds a selection from a JSON body's select or start/stop/step, else from
// the select query parameter. As in HSDS (chunk_sn.py _getSelect, dsetUtil.py
// getSelectionList, _getSelectionStringFromRequestBody): start, stop and step are each an
// integer (rank 1) or a list of them; the body's select is a selection string or a JSON list
// with one entry per dimension (a list of coordinates, a slice string such as "2:8:2" or ":",
// or an index); a select in both the body and the query is refused.
func bodySelection(r *http.Request, body map[string]json.RawMessage, dims []int) (*selection.Selection, error) {
	selStr, err := bodySelectString(body)
	if err != nil {
		return nil, err
	}
	start, hasStart, err := intsField(body, "start")
	if err != nil {
		return nil, err
	}
	stop, hasStop, err := intsField(body, "stop")
	if err != nil {
		return nil, err
	}
	step, hasStep, err := intsField(body, "step")
	if err != nil {
		return nil, err
	}
	q := r.URL.Query().Get("select")
	if q != "" && (selStr != "" || hasStart || hasStop || hasStep) {
		return nil, httpErr(http.StatusBadRequest, "select defined in both request body and query parameters")
	}
	var sel *selection.Selection
	switch {
	case selStr != "":
		sel, err = selection.Parse(selStr, dims)
	case hasStart || hasStop || hasStep:
		sel, err = selection.FromStartStopStep(start, stop, step, dims)
	default:
		sel, err = selection.Parse(q, dims)
	}
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

// intsField reads body[key] given as an integer or a list of integers ("start": 0 is
// "start": [0]).
func intsField(body map[string]json.RawMessage, key string) ([]int, bool, error) {
	raw, ok := body[key]
	if !ok || string(raw) == "null" {
		return nil, false, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, true, nil
	}
	var list []int
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, true, httpErr(http.StatusBadRequest, "invalid %q in body: want an integer or a list of integers", key)
	}
	return list, true, nil
}

// bodySelectString returns the body's select as a selection string: a string as given, a JSON
// list converted entry by entry (a list of integers is a coordinate list, a string a slice or
// index, an integer an index). Empty when absent, null, "" or [].
func bodySelectString(body map[string]json.RawMessage) (string, error) {
	raw, ok := body["select"]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", httpErr(http.StatusBadRequest, "invalid \"select\" in body: want a selection string or a list with one entry per dimension")
	}
	if len(list) == 0 {
		return "", nil
	}
	parts := make([]string, len(list))
	for i, e := range list {
		var n int
		var str string
		var coords []int
		switch {
		case json.Unmarshal(e, &n) == nil:
			parts[i] = strconv.Itoa(n)
		case json.Unmarshal(e, &str) == nil:
			parts[i] = str
		case json.Unmarshal(e, &coords) == nil:
			cs := make([]string, len(coords))
			for j, c := range coords {
				cs[j] = strconv.Itoa(c)
			}
			parts[i] = "[" + strings.Join(cs, ",") + "]"
		default:
			return "", httpErr(http.StatusBadRequest, "invalid \"select\" in body: entry %d must be a list of coordinates, a slice string or an index", i)
		}
	}
	return "[" + strings.Join(parts, ",") + "]", nil
}

// ParseBinaryPoints decodes an octet-stream point list: little-endian uint64 coordinates, rank
// per point. It rejects lengths that are not a whole number of points and coordinates that do
// not fit an int.
func ParseBinaryPoints(b []byte, rank int) ([][]int, error) {
	if rank <= 0 {
		return nil, fmt.Errorf("binary points: dataset rank %d", rank)
	}
	per := 8 * rank
	if len(b) == 0 || len(b)%per != 0 {
		return nil, fmt.Errorf("binary points: %d bytes is not a whole number of %d-byte points", len(b), per)
	}
	n := len(b) / per
	pts := make([][]int, n)
	flat := make([]int, n*rank)
	for i := range flat {
		v := uint64(b[8*i]) | uint64(b[8*i+1])<<8 | uint64(b[8*i+2])<<16 | uint64(b[8*i+3])<<24 |
			uint64(b[8*i+4])<<32 | uint64(b[8*i+5])<<40 | uint64(b[8*i+6])<<48 | uint64(b[8*i+7])<<56
		if v > 1<<53 {
			return nil, fmt.Errorf("binary points: coordinate %d is too large", v)
		}
		flat[i] = int(v)
	}
	for i := range pts {
		pts[i] = flat[i*rank : (i+1)*rank : (i+1)*rank]
	}
	return pts, nil
}

func (s *Server) postValue(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.valueDataset(r, actRead)
	if ov, ok := err.(*openedVlen); ok {
		return s.postValueVlen(w, r, ov.rq, ov.vd)
	}
	if err != nil {
		return err
	}
	if len(d.Dims) == 0 {
		return httpErr(http.StatusBadRequest, "POST value is not allowed on a scalar dataset")
	}
	limit := s.limitFor(r)
	var data []byte
	var shape []int
	var body map[string]json.RawMessage
	if isBinaryBody(r) {
		b, err := readBody(r, limit)
		if err != nil {
			return err
		}
		if err := reserve(r.Context(), int64(len(b)/8)*pointBytes(1)); err != nil {
			return err
		}
		pts, err := ParseBinaryPoints(b, len(d.Dims))
		if err != nil {
			return badRequest(err)
		}
		if data, err = s.readPoints(r, d, pts, limit); err != nil {
			return err
		}
		shape = []int{len(pts)}
	} else {
		if body, err = decodeBody(r); err != nil {
			return err
		}
		if raw, ok := body["points"]; ok {
			pts, err := parsePoints(r.Context(), raw, len(d.Dims))
			if err != nil {
				return err
			}
			if data, err = s.readPoints(r, d, pts, limit); err != nil {
				return err
			}
			shape = []int{len(pts)}
		} else {
			sel, err := bodySelection(r, body, d.Dims)
			if err != nil {
				return err
			}
			if exceeds(sel.Count(), int64(d.ItemSize), limit) {
				return httpErr(http.StatusRequestEntityTooLarge, "selection of %d bytes is more than the %d byte limit", byteSize(sel.Count(), int64(d.ItemSize)), limit)
			}
			if err := reserve(r.Context(), byteSize(sel.Count(), int64(d.ItemSize))); err != nil {
				return err
			}
			if data, _, err = d.Read(r.Context(), sel, s.cfg.ReadConcurrency); err != nil {
				return err
			}
			shape = sel.Shape()
		}
	}
	typ := d.Type
	if sub, _, err := writeFields(r, body, d); err != nil {
		return err
	} else if sub != d.Type {
		n := len(data) / max(d.ItemSize, 1)
		if data, err = h5type.ExtractFields(nil, data, d.Type, sub, n); err != nil {
			return err
		}
		typ = sub
	}
	if wantsBinary(r) {
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return nil
	}
	b, err := jsonValueBuffer(r.Context(), typ, len(data)/max(typ.Size(), 1))
	if err != nil {
		return err
	}
	b = append(b, `{"value": `...)
	if b, err = typ.AppendJSON(b, data, shape, truthyParam(r, "ignore_nan"), h5type.DecodeOptions{}); err != nil {
		return err
	}
	b = append(b, `, "hrefs": `...)
	if b, err = appendJSON(b, s.valueHrefs(r, rq, d)); err != nil {
		return err
	}
	b = append(b, '}')
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

// readPoints reads the elements at pts (validated here) in request order.
func (s *Server) readPoints(r *http.Request, d *hdf.Dataset, pts [][]int, limit int64) ([]byte, error) {
	if len(pts) == 0 && len(d.Dims) > 0 {
		return []byte{}, nil // no points: an empty answer, as HSDS gives (chunk_sn.py)
	}
	if err := selection.Points(pts, d.Dims); err != nil {
		return nil, badRequest(err)
	}
	if size := int64(len(pts)) * int64(d.ItemSize); size >= limit {
		return nil, httpErr(http.StatusRequestEntityTooLarge, "%d points of %d bytes are more than the %d byte limit", len(pts), d.ItemSize, limit)
	}
	groups, err := selection.GroupPoints(pts, d.ChunkDims)
	if err != nil {
		return nil, badRequest(err)
	}
	if err := reserve(r.Context(), int64(len(pts))*int64(d.ItemSize)); err != nil {
		return nil, err
	}
	out := make([]byte, len(pts)*d.ItemSize)
	is := d.ItemSize
	err = forEach(r.Context(), len(groups), s.cfg.ReadConcurrency, func(i int) error {
		g := groups[i]
		chunk, _, err := d.ReadChunk(r.Context(), g.Index, nil)
		if err != nil {
			return err
		}
		for _, p := range g.Points {
			copy(out[p.Point*is:(p.Point+1)*is], chunk[p.Offset*int64(is):(p.Offset+1)*int64(is)])
		}
		return nil
	})
	return out, err
}

// jsonValueBuffer returns an empty buffer with room for a JSON value response of count
// elements of t, its bytes reserved from the in-flight budget (so the response is built
// without regrowing copies).
func jsonValueBuffer(ctx context.Context, t *h5type.Type, count int) ([]byte, error) {
	n := int64(count)*jsonElementBytes(t) + 1024
	if err := reserve(ctx, n); err != nil {
		return nil, err
	}
	return make([]byte, 0, n), nil
}

// exceeds reports whether count elements of itemsize bytes reach limit bytes, without
// overflowing (selections can hold up to 2^63 elements).
func exceeds(count, itemsize, limit int64) bool {
	if itemsize <= 0 {
		return false
	}
	return count >= (limit+itemsize-1)/itemsize
}

// byteSize is count*itemsize, saturated at the largest int64 (for messages).
func byteSize(count, itemsize int64) int64 {
	if itemsize > 0 && count > math.MaxInt64/itemsize {
		return math.MaxInt64
	}
	return count * itemsize
}
