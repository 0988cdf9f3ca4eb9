package rest

import (
	"encoding/base64"
	"encoding/json"
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

// putValueVlen writes variable-length elements: a hyperslab or points (HSDS chunk_sn.py
// PUT_Value with item_size H5T_VARIABLE): binary (length-prefixed), value_base64 or JSON; with
// element_count the value's elements repeat over the selection.
func (s *Server) putValueVlen(w http.ResponseWriter, r *http.Request, rq *request, vd *hdf.VlenDataset) error {
	q := r.URL.Query()
	if q.Get("query") != "" || q.Get("fields") != "" || q.Get("append") != "" {
		return httpErr(http.StatusBadRequest, "query, fields and append are not supported on variable-length datasets")
	}
	var (
		sel    *selection.Selection
		pts    [][]int
		data   []byte
		body   map[string]json.RawMessage
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
		if body, err = decodeBodyLimit(r, s.cfg.MaxRequestBytes); err != nil {
			return err
		}
		for _, k := range []string{"query", "fields", "append"} {
			if raw, ok := body[k]; ok && string(raw) != "null" {
				return httpErr(http.StatusBadRequest, "%s is not supported on variable-length datasets", k)
			}
		}
		if raw, ok := body["points"]; ok && string(raw) != "null" {
			if len(vd.Dims) == 0 {
				return httpErr(http.StatusBadRequest, "points are not allowed on a scalar dataset")
			}
			if pts, err = parsePoints(r.Context(), raw, len(vd.Dims)); err != nil {
				return err
			}
			if err := selection.Points(pts, vd.Dims); err != nil {
				return badRequest(err)
			}
		} else if sel, err = bodySelection(r, body, vd.Dims); err != nil {
			return err
		}
	}
	count, shape := len(pts), []int{len(pts)}
	if sel != nil {
		count, shape = int(sel.Count()), sel.Shape()
	}
	ec, hasEC, err := elementCount(r, body)
	if err != nil {
		return err
	}
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
	if body != nil {
		if raw, ok := body["value_base64"]; ok && string(raw) != "null" {
			var s64 string
			if err := json.Unmarshal(raw, &s64); err != nil {
				return httpErr(http.StatusBadRequest, "value_base64 must be a string")
			}
			if data, err = base64.StdEncoding.DecodeString(s64); err != nil {
				return httpErr(http.StatusBadRequest, "value_base64: %v", err)
			}
		} else {
			raw, ok := body["value"]
			if !ok {
				return httpErr(http.StatusBadRequest, "PUT value of a variable-length dataset needs value, value_base64 or a binary body")
			}
			if err := reserve(r.Context(), decodeEstimate*int64(len(raw))); err != nil {
				return err
			}
			v, err := pyjson.DecodeValue(raw)
			if err != nil {
				return httpErr(http.StatusBadRequest, "invalid value: %v", err)
			}
			if data, err = vd.Type.EncodeValue(v, valShape); err != nil {
				return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", valShape, err)
			}
		}
	}
	elems, err := h5type.SplitElements(data, vd.Type, n)
	if err != nil {
		return httpErr(http.StatusBadRequest, "value for %d elements: %v", n, err)
	}
	if binary {
		// Scalar fields come in the clients' little-endian order (h5type.SwapHSDSNativeFields);
		// swapped once here, before element_count repeats the elements (which share bytes).
		if err := vd.Type.SwapHSDSNativeFields(elems); err != nil {
			return httpErr(http.StatusBadRequest, "value for %d elements: %v", n, err)
		}
	}
	for len(elems) < count { // element_count: repeat the given elements
		elems = append(elems, elems[len(elems)%n])
	}
	if pts != nil {
		err = vd.WritePoints(r.Context(), pts, elems)
	} else {
		err = vd.Write(r.Context(), sel, elems)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj())
}
