package rest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
	"github.com/hsfan/hsfan/hsds/selection"
)

// streamPageBytes bounds the memory of one page of a streamed binary value response.
const streamPageBytes = 16 << 20

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

// errVlen carries an opened variable-length dataset out of valueDataset.
type errVlen struct {
	rq *request
	vd *hdf.VlenDataset
}

func (e *errVlen) Error() string { return "variable-length dataset" }

// valueDataset opens the dataset of a value route for I/O. Datasets of variable-length types
// come back as an *errVlen error holding a VlenDataset.
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
		return nil, nil, &errVlen{rq: rq, vd: vd}
	}
	d, err := hdf.OpenDataset(rq.f.Store(), rq.f.Bucket(), obj)
	if err != nil {
		return nil, nil, badRequestIfInvalid(err)
	}
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

func (s *Server) getValue(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.valueDataset(r, actRead)
	if ev, ok := err.(*errVlen); ok {
		return s.getValueVlen(w, r, ev.rq, ev.vd)
	}
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("query") != "" {
		return httpErr(http.StatusBadRequest, "query is not supported by this server")
	}
	sel, err := selection.Parse(q.Get("select"), d.Dims)
	if err != nil {
		return badRequest(err)
	}
	sub, err := fieldsType(r, d)
	if err != nil {
		return err
	}
	size := sel.Count() * int64(d.ItemSize)
	binary := wantsBinary(r)
	streaming := binary && !isLambda(r) && !s.cfg.Lambda && !sel.IsScalar() && sub == nil
	if !streaming && size >= s.limitFor(r) {
		return httpErr(http.StatusRequestEntityTooLarge, "selection of %d bytes is more than the %d byte limit", size, s.limitFor(r))
	}
	if streaming && size > streamPageBytes {
		return s.streamValue(w, r, d, sel, size)
	}
	data, _, err := d.Read(r.Context(), sel, s.cfg.ReadConcurrency)
	if err != nil {
		return err
	}
	typ := d.Type
	if sub != nil {
		n := int(sel.Count())
		if data, err = h5type.ExtractFields(nil, data, d.Type, sub, n); err != nil {
			return err
		}
		typ = sub
	}
	if binary {
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return nil
	}
	shape := sel.Shape()
	if boolParam(r, "reduce_dim") {
		var squeezed []int
		for _, n := range shape {
			if n != 1 {
				squeezed = append(squeezed, n)
			}
		}
		if squeezed == nil && len(shape) > 0 {
			squeezed = []int{1}
		}
		shape = squeezed
	}
	b := []byte(`{"status": 200, "value": `)
	if b, err = typ.AppendJSON(b, data, shape, boolParam(r, "ignore_nan"), h5type.DecodeOptions{}); err != nil {
		return err
	}
	b = append(b, `, "hrefs": `...)
	if b, err = appendJSON(b, s.valueHrefs(r, rq, d)); err != nil {
		return err
	}
	b = append(b, '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

// streamValue writes a large binary selection page by page along its first dimension with a
// count above 1, so memory stays bounded by streamPageBytes.
func (s *Server) streamValue(w http.ResponseWriter, r *http.Request, d *hdf.Dataset, sel *selection.Selection, size int64) error {
	shape := sel.Shape()
	pd := 0
	for pd < len(shape)-1 && shape[pd] <= 1 {
		pd++
	}
	rowBytes := size / int64(shape[pd])
	per := int(streamPageBytes / max(rowBytes, 1))
	if per < 1 {
		per = 1
	}
	first := true
	for o := 0; o < shape[pd]; o += per {
		end := min(o+per, shape[pd])
		page, err := subSelection(sel, d.Dims, pd, o, end)
		if err != nil {
			return err
		}
		data, _, err := d.Read(r.Context(), page, s.cfg.ReadConcurrency)
		if err != nil {
			if first {
				return err
			}
			s.log.Error("streamed value read failed", "dataset", d.ID, "err", err)
			return nil // the status is sent; the short body tells the client
		}
		if first {
			w.Header().Set("Content-Type", octet)
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
			w.WriteHeader(http.StatusOK)
			first = false
		}
		if _, err := w.Write(data); err != nil {
			return nil
		}
	}
	return nil
}

// subSelection restricts sel along dimension pd to its output positions [from, to).
func subSelection(sel *selection.Selection, dims []int, pd, from, to int) (*selection.Selection, error) {
	parts := make([]string, len(dims))
	for i := range dims {
		dm := sel.Dim(i)
		if dm.IsList() {
			c := dm.Coords
			if i == pd {
				c = c[from:to]
			}
			ss := make([]string, len(c))
			for j, v := range c {
				ss[j] = strconv.Itoa(v)
			}
			parts[i] = "[" + strings.Join(ss, ",") + "]"
			continue
		}
		start, stop := dm.Start, dm.Stop
		if i == pd {
			start = dm.Start + from*dm.Step
			stop = dm.Start + (to-1)*dm.Step + 1
		}
		parts[i] = fmt.Sprintf("%d:%d:%d", start, stop, dm.Step)
	}
	return selection.Parse("["+strings.Join(parts, ",")+"]", dims)
}

// bodySelection builds a selection from a JSON body's select or start/stop/step, else from
// the select query parameter.
func bodySelection(r *http.Request, body map[string]json.RawMessage, dims []int) (*selection.Selection, error) {
	var selStr string
	if _, err := field(body, "select", &selStr); err != nil {
		return nil, err
	}
	var start, stop, step []int
	hasStart, err := field(body, "start", &start)
	if err != nil {
		return nil, err
	}
	hasStop, err := field(body, "stop", &stop)
	if err != nil {
		return nil, err
	}
	hasStep, err := field(body, "step", &step)
	if err != nil {
		return nil, err
	}
	var sel *selection.Selection
	switch {
	case hasStart || hasStop || hasStep:
		sel, err = selection.FromStartStopStep(start, stop, step, dims)
	case selStr != "":
		sel, err = selection.Parse(selStr, dims)
	default:
		sel, err = selection.Parse(r.URL.Query().Get("select"), dims)
	}
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

// parsePoints decodes JSON points: a list of coordinate lists, or of ints for rank 1.
func parsePoints(raw json.RawMessage, rank int) ([][]int, error) {
	var pts [][]int
	if rank == 1 {
		var flat []int
		if json.Unmarshal(raw, &flat) == nil {
			pts = make([][]int, len(flat))
			for i, v := range flat {
				pts[i] = []int{v}
			}
			return pts, nil
		}
	}
	if err := json.Unmarshal(raw, &pts); err != nil {
		return nil, httpErr(http.StatusBadRequest, "invalid points: want a list of coordinate lists: %v", err)
	}
	return pts, nil
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
	if ev, ok := err.(*errVlen); ok {
		return s.postValueVlen(w, r, ev.rq, ev.vd)
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
	if isBinaryBody(r) {
		b, err := readBody(r, limit)
		if err != nil {
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
		body, err := decodeBody(r)
		if err != nil {
			return err
		}
		if raw, ok := body["points"]; ok {
			pts, err := parsePoints(raw, len(d.Dims))
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
			if size := sel.Count() * int64(d.ItemSize); size >= limit {
				return httpErr(http.StatusRequestEntityTooLarge, "selection of %d bytes is more than the %d byte limit", size, limit)
			}
			if data, _, err = d.Read(r.Context(), sel, s.cfg.ReadConcurrency); err != nil {
				return err
			}
			shape = sel.Shape()
		}
	}
	if wantsBinary(r) {
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(data)
		return nil
	}
	b := []byte(`{"value": `)
	if b, err = d.Type.AppendJSON(b, data, shape, boolParam(r, "ignore_nan"), h5type.DecodeOptions{}); err != nil {
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

func (s *Server) putValue(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.valueDataset(r, actUpdate)
	if ev, ok := err.(*errVlen); ok {
		return s.putValueVlen(w, r, ev.rq, ev.vd)
	}
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	if q.Get("query") != "" || q.Get("fields") != "" {
		return httpErr(http.StatusBadRequest, "query and fields are not supported on writes by this server")
	}
	if a := q.Get("append"); a != "" {
		if d, err = s.appendExtend(r, rq, d, a); err != nil {
			return err
		}
	}
	var (
		sel  *selection.Selection
		pts  [][]int
		data []byte
	)
	if isBinaryBody(r) {
		b, err := readBody(r, s.cfg.MaxRequestBytes)
		if err != nil {
			return err
		}
		if sel == nil {
			if sel, err = s.appendOrSelect(r, d); err != nil {
				return err
			}
		}
		data = b
	} else {
		body, err := decodeBody(r)
		if err != nil {
			return err
		}
		if raw, ok := body["points"]; ok {
			if len(d.Dims) == 0 {
				return httpErr(http.StatusBadRequest, "points are not allowed on a scalar dataset")
			}
			if pts, err = parsePoints(raw, len(d.Dims)); err != nil {
				return err
			}
			if err := selection.Points(pts, d.Dims); err != nil {
				return badRequest(err)
			}
		} else if q.Get("append") != "" {
			if sel, err = s.appendOrSelect(r, d); err != nil {
				return err
			}
		} else if sel, err = bodySelection(r, body, d.Dims); err != nil {
			return err
		}
		n := len(pts)
		shape := []int{n}
		if sel != nil {
			n, shape = int(sel.Count()), sel.Shape()
		}
		if raw, ok := body["value_base64"]; ok {
			var s64 string
			if err := json.Unmarshal(raw, &s64); err != nil {
				return httpErr(http.StatusBadRequest, "value_base64 must be a string")
			}
			if data, err = base64.StdEncoding.DecodeString(s64); err != nil {
				return httpErr(http.StatusBadRequest, "value_base64: %v", err)
			}
		} else if raw, ok := body["value"]; ok {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				return httpErr(http.StatusBadRequest, "invalid value: %v", err)
			}
			if data, err = d.Type.EncodeValue(v, shape); err != nil {
				if one, err1 := d.Type.EncodeValue(v, nil); err1 == nil && n > 1 {
					data = one // a single element broadcast to the selection
				} else {
					return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", shape, err)
				}
			}
		} else {
			return httpErr(http.StatusBadRequest, "PUT value needs value, value_base64 or a binary body")
		}
	}
	count := len(pts)
	if sel != nil {
		count = int(sel.Count())
	}
	if data, err = broadcast(r, data, d.ItemSize, count); err != nil {
		return err
	}
	if pts != nil {
		err = s.writePoints(r, d, pts, data)
	} else {
		err = d.Write(ctx, sel, data, s.cfg.ReadConcurrency)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj())
}

// broadcast checks the data length against count elements; one element (or element_count of
// them dividing count) is repeated over the selection.
func broadcast(r *http.Request, data []byte, itemsize, count int) ([]byte, error) {
	want := count * itemsize
	if len(data) == want {
		return data, nil
	}
	ec, err := intParam(r, "element_count", 0)
	if err != nil {
		return nil, err
	}
	n := len(data) / itemsize
	if len(data)%itemsize == 0 && n > 0 && count%n == 0 && (n == 1 || ec == n) {
		out := make([]byte, 0, want)
		for len(out) < want {
			out = append(out, data...)
		}
		return out, nil
	}
	return nil, httpErr(http.StatusBadRequest, "got %d bytes of data for %d elements of %d bytes", len(data), count, itemsize)
}

// appendOrSelect returns the selection of a binary write: the select parameter, or the region
// appended by append=N.
func (s *Server) appendOrSelect(r *http.Request, d *hdf.Dataset) (*selection.Selection, error) {
	q := r.URL.Query()
	if a := q.Get("append"); a != "" {
		n, _ := strconv.Atoi(a)
		dim, _ := strconv.Atoi(q.Get("append_dim"))
		parts := make([]string, len(d.Dims))
		for i := range parts {
			parts[i] = ":"
		}
		parts[dim] = fmt.Sprintf("%d:%d", d.Dims[dim]-n, d.Dims[dim])
		sel, err := selection.Parse("["+strings.Join(parts, ",")+"]", d.Dims)
		if err != nil {
			return nil, badRequest(err)
		}
		return sel, nil
	}
	sel, err := selection.Parse(q.Get("select"), d.Dims)
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

// appendExtend grows the dataset for append=N along append_dim and returns it reopened.
func (s *Server) appendExtend(r *http.Request, rq *request, d *hdf.Dataset, a string) (*hdf.Dataset, error) {
	if r.URL.Query().Get("select") != "" {
		return nil, httpErr(http.StatusBadRequest, "select is not allowed with append")
	}
	n, err := strconv.Atoi(a)
	if err != nil || n <= 0 {
		return nil, httpErr(http.StatusBadRequest, "invalid append %q", a)
	}
	dim, err := intParam(r, "append_dim", 0)
	if err != nil {
		return nil, err
	}
	if dim >= len(d.Dims) {
		return nil, httpErr(http.StatusBadRequest, "append_dim %d out of range for rank %d", dim, len(d.Dims))
	}
	dims := append([]int(nil), d.Dims...)
	dims[dim] += n
	obj, err := rq.f.Resize(r.Context(), d.ID, dims)
	if err != nil {
		return nil, err
	}
	return hdf.OpenDataset(rq.f.Store(), rq.f.Bucket(), obj)
}

// writePoints writes one element per point, chunk by chunk.
func (s *Server) writePoints(r *http.Request, d *hdf.Dataset, pts [][]int, data []byte) error {
	groups, err := selection.GroupPoints(pts, d.ChunkDims)
	if err != nil {
		return badRequest(err)
	}
	is := d.ItemSize
	return forEach(r.Context(), len(groups), s.cfg.ReadConcurrency, func(i int) error {
		g := groups[i]
		return d.UpdateChunk(r.Context(), g.Index, func(chunk []byte) error {
			for _, p := range g.Points {
				copy(chunk[p.Offset*int64(is):(p.Offset+1)*int64(is)], data[p.Point*is:(p.Point+1)*is])
			}
			return nil
		})
	})
}
