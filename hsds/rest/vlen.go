package rest

import (
	"net/http"
	"strconv"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/selection"
)

// vlenElemEstimate is HSDS's per-element size estimate of variable-length data for the
// request size check.
const vlenElemEstimate = 512

// writeVlenValue answers a read of variable-length elements: the length-prefixed binary form,
// or JSON (with "status": 200 first when status is set).
func (s *Server) writeVlenValue(w http.ResponseWriter, r *http.Request, rq *request, vd *hdf.VlenDataset, elems [][]byte, shape []int, status bool) error {
	if wantsBinary(r) {
		// HSDS's arrayToBytes body: zero padded as its getByteArraySize counts.
		joined := h5type.JoinElementsHSDS(elems, vd.Type)
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(joined)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(joined)
		return nil
	}
	b := []byte(`{"value": `)
	if status {
		b = []byte(`{"status": 200, "value": `)
	}
	b, err := vd.Type.AppendJSON(b, h5type.JoinElements(elems), shape, truthyParam(r, "ignore_nan"), h5type.DecodeOptions{})
	if err != nil {
		return err
	}
	p := "/datasets/" + vd.ID
	b = append(b, `, "hrefs": `...)
	if b, err = appendJSON(b, []*jobj{s.href(r, "self", p+"/value", rq.dom), s.href(r, "root", "/groups/"+vd.Obj.Root, rq.dom),
		s.href(r, "home", "/", rq.dom), s.href(r, "owner", p, rq.dom)}); err != nil {
		return err
	}
	b = append(b, '}')
	ct := "application/json; charset=utf-8"
	if status {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

func (s *Server) getValueVlen(w http.ResponseWriter, r *http.Request, rq *request, vd *hdf.VlenDataset) error {
	q := r.URL.Query()
	if q.Get("query") != "" || q.Get("fields") != "" {
		return httpErr(http.StatusBadRequest, "query and fields are not supported on variable-length datasets")
	}
	sel, err := selection.Parse(q.Get("select"), vd.Dims)
	if err != nil {
		return badRequest(err)
	}
	if exceeds(sel.Count(), vlenElemEstimate, s.limitFor(r)) {
		return httpErr(http.StatusRequestEntityTooLarge, "selection of %d variable-length elements is too large", sel.Count())
	}
	elems, err := vd.Read(r.Context(), sel, s.cfg.ReadConcurrency)
	if err != nil {
		return err
	}
	shape := sel.Shape()
	if boolParam(r, "reduce_dim") {
		shape = squeeze(shape)
	}
	return s.writeVlenValue(w, r, rq, vd, elems, shape, true)
}

func (s *Server) postValueVlen(w http.ResponseWriter, r *http.Request, rq *request, vd *hdf.VlenDataset) error {
	if len(vd.Dims) == 0 {
		return httpErr(http.StatusBadRequest, "POST value is not allowed on a scalar dataset")
	}
	var pts [][]int
	if isBinaryBody(r) {
		b, err := readBody(r, s.limitFor(r))
		if err != nil {
			return err
		}
		if pts, err = ParseBinaryPoints(b, len(vd.Dims)); err != nil {
			return badRequest(err)
		}
	} else {
		body, err := decodeBody(r)
		if err != nil {
			return err
		}
		raw, ok := body["points"]
		if !ok {
			sel, err := bodySelection(r, body, vd.Dims)
			if err != nil {
				return err
			}
			if exceeds(sel.Count(), vlenElemEstimate, s.limitFor(r)) {
				return httpErr(http.StatusRequestEntityTooLarge, "selection of %d variable-length elements is too large", sel.Count())
			}
			elems, err := vd.Read(r.Context(), sel, s.cfg.ReadConcurrency)
			if err != nil {
				return err
			}
			return s.writeVlenValue(w, r, rq, vd, elems, sel.Shape(), false)
		}
		if pts, err = parsePoints(r.Context(), raw, len(vd.Dims)); err != nil {
			return err
		}
	}
	if err := selection.Points(pts, vd.Dims); err != nil {
		return badRequest(err)
	}
	if int64(len(pts))*vlenElemEstimate >= s.limitFor(r) {
		return httpErr(http.StatusRequestEntityTooLarge, "%d points are too many", len(pts))
	}
	elems := make([][]byte, len(pts))
	for i, p := range pts {
		sel, err := pointSelection(p, vd.Dims)
		if err != nil {
			return err
		}
		e, err := vd.Read(r.Context(), sel, 1)
		if err != nil {
			return err
		}
		elems[i] = e[0]
	}
	return s.writeVlenValue(w, r, rq, vd, elems, []int{len(pts)}, false)
}

// pointSelection is the one-element selection of point p.
func pointSelection(p []int, dims []int) (*selection.Selection, error) {
	start := make([]int, len(p))
	stop := make([]int, len(p))
	for i, v := range p {
		start[i], stop[i] = v, v+1
	}
	sel, err := selection.FromStartStopStep(start, stop, nil, dims)
	if err != nil {
		return nil, badRequest(err)
	}
	return sel, nil
}

func (s *Server) putValueVlen(w http.ResponseWriter, r *http.Request, rq *request, vd *hdf.VlenDataset) error {
	q := r.URL.Query()
	if q.Get("query") != "" || q.Get("fields") != "" || q.Get("append") != "" {
		return httpErr(http.StatusBadRequest, "query, fields and append are not supported on variable-length datasets")
	}
	var (
		sel    *selection.Selection
		data   []byte
		err    error
		binary = isBinaryBody(r)
	)
	if binary {
		if data, err = readBody(r, s.cfg.MaxRequestBytes); err != nil {
			return err
		}
		if sel, err = selection.Parse(q.Get("select"), vd.Dims); err != nil {
			return badRequest(err)
		}
	} else {
		body, err := decodeBodyLimit(r, s.cfg.MaxRequestBytes)
		if err != nil {
			return err
		}
		if _, ok := body["points"]; ok {
			return httpErr(http.StatusBadRequest, "point writes are not supported on variable-length datasets")
		}
		if sel, err = bodySelection(r, body, vd.Dims); err != nil {
			return err
		}
		raw, ok := body["value"]
		if !ok {
			return httpErr(http.StatusBadRequest, "PUT value of a variable-length dataset needs value or a binary body")
		}
		if err := reserve(r.Context(), decodeEstimate*int64(len(raw))); err != nil {
			return err
		}
		v, err := pyjson.DecodeValue(raw)
		if err != nil {
			return httpErr(http.StatusBadRequest, "invalid value: %v", err)
		}
		if data, err = vd.Type.EncodeValue(v, sel.Shape()); err != nil {
			one, err1 := vd.Type.EncodeValue(v, nil)
			if err1 != nil || sel.Count() <= 1 {
				return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", sel.Shape(), err)
			}
			data = one
		}
	}
	n := int(sel.Count())
	elems, err := h5type.SplitElements(data, vd.Type, n)
	broadcast := false
	if err != nil {
		one, err1 := h5type.SplitElements(data, vd.Type, 1)
		if err1 != nil || n <= 1 {
			return httpErr(http.StatusBadRequest, "value for %d elements: %v", n, err)
		}
		elems, broadcast = one, true
	}
	if binary {
		// Scalar fields come in the clients' little-endian order (h5type.SwapHSDSNativeFields).
		if err := vd.Type.SwapHSDSNativeFields(elems); err != nil {
			return httpErr(http.StatusBadRequest, "value for %d elements: %v", n, err)
		}
	}
	if broadcast {
		one := elems[0]
		elems = make([][]byte, n)
		for i := range elems {
			elems[i] = one
		}
	}
	if err := vd.Write(r.Context(), sel, elems); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj())
}
