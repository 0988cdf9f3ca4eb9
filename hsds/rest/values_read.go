package rest

import (
	"net/http"
	"strconv"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
)

func (s *Server) getValue(w http.ResponseWriter, r *http.Request) error {
	rq, d, err := s.valueDataset(r, actRead)
	if ov, ok := err.(*openedVlen); ok {
		return s.getValueVlen(w, r, ov.rq, ov.vd)
	}
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if qs := q.Get("query"); qs != "" {
		return s.getQuery(w, r, rq, d, qs)
	}
	sel, err := selection.Parse(q.Get("select"), d.Dims)
	if err != nil {
		return badRequest(err)
	}
	sub, err := fieldsType(r, d)
	if err != nil {
		return err
	}
	size := byteSize(sel.Count(), int64(d.ItemSize))
	binary := wantsBinary(r)
	streaming := binary && !isLambda(r) && !s.cfg.Lambda && !sel.IsScalar() && sub == nil
	if !streaming && exceeds(sel.Count(), int64(d.ItemSize), s.limitFor(r)) {
		return httpErr(http.StatusRequestEntityTooLarge, "selection of %d bytes is more than the %d byte limit", size, s.limitFor(r))
	}
	if binary && (isLambda(r) || s.cfg.Lambda) && exceeds(sel.Count(), 2*int64(d.ItemSize), MaxLambdaResponse-4096) {
		// Hex doubles the body and the synchronous response is capped at 6 MB: refuse before
		// reading, so the client pages instead of this function decoding data it cannot send.
		return httpErr(http.StatusRequestEntityTooLarge, "selection of %d bytes does not fit a %d byte Lambda response once hex-encoded", size, MaxLambdaResponse)
	}
	if streaming && size > streamPageBytes {
		return s.streamValue(w, r, d, sel, size)
	}
	if err := reserve(r.Context(), size); err != nil {
		return err
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
		shape = squeeze(shape)
	}
	b, err := jsonValueBuffer(r.Context(), typ, int(sel.Count()))
	if err != nil {
		return err
	}
	b = append(b, `{"status": 200, "value": `...)
	if b, err = typ.AppendJSON(b, data, shape, truthyParam(r, "ignore_nan"), h5type.DecodeOptions{}); err != nil {
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

// streamValue writes a large binary selection page by page along its first output axis with a
// count above 1 (selection.Selection.Sub), so memory stays bounded by streamPageBytes.
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
	if err := reserve(r.Context(), min(size, 2*streamPageBytes)); err != nil {
		return err
	}
	first := true
	for o := 0; o < shape[pd]; o += per {
		end := min(o+per, shape[pd])
		page, err := sel.Sub(pd, o, end)
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

// streamPageBytes bounds the memory of one page of a streamed binary value response.
const streamPageBytes = 16 << 20

// squeeze drops the extents of 1 from a shape of rank 2 or more, as HSDS arrayUtil.squeezeArray
// (numpy squeeze) does for reduce_dim: all ones give a scalar; rank 0 and 1 stay as they are.
func squeeze(shape []int) []int {
	if len(shape) <= 1 {
		return shape
	}
	out := []int{}
	for _, n := range shape {
		if n != 1 {
			out = append(out, n)
		}
	}
	return out
}
