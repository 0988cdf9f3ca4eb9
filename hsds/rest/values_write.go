package rest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/selection"
)

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
	var app *appendReq
	if a := q.Get("append"); a != "" {
		if app, err = parseAppend(r, d, a); err != nil {
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
		if sel, err = s.appendOrSelect(r, d, app); err != nil {
			return err
		}
		data = b
	} else {
		body, pyValue, err := decodeValueBody(r, s.cfg.MaxRequestBytes)
		if err != nil {
			return err
		}
		if raw, ok := body["points"]; ok {
			if len(d.Dims) == 0 {
				return httpErr(http.StatusBadRequest, "points are not allowed on a scalar dataset")
			}
			if pts, err = parsePoints(ctx, raw, len(d.Dims)); err != nil {
				return err
			}
			if err := selection.Points(pts, d.Dims); err != nil {
				return badRequest(err)
			}
		} else if app != nil {
			if sel, err = s.appendOrSelect(r, d, app); err != nil {
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
		} else if pyValue != nil && canDecodeList(d.Type, shape, pyValue) {
			if exceeds(int64(n), int64(d.ItemSize), s.cfg.MaxRequestBytes) {
				// Refused before decoding (broadcast below would refuse it after).
				return httpErr(http.StatusRequestEntityTooLarge, "a write of %d elements of %d bytes is more than the %d byte limit", n, d.ItemSize, s.cfg.MaxRequestBytes)
			}
			// At most one element per two body bytes ("1,"): the buffer never outgrows this.
			size := min(n, len(pyValue)/2+1) * d.ItemSize
			if err := reserve(ctx, int64(size)); err != nil {
				return err
			}
			if data, err = decodeListValue(make([]byte, 0, size), d.Type, pyValue, shape); err != nil {
				return httpErr(http.StatusBadRequest, "value does not fit the selection (shape %v): %v", shape, err)
			}
		} else if raw, ok := body["value"]; ok {
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
	if data, err = broadcast(r, data, d.ItemSize, count, s.cfg.MaxRequestBytes); err != nil {
		return err
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
// them dividing count) is repeated over the selection, which must stay under limit bytes.
func broadcast(r *http.Request, data []byte, itemsize, count int, limit int64) ([]byte, error) {
	if exceeds(int64(count), int64(itemsize), limit) {
		return nil, httpErr(http.StatusRequestEntityTooLarge, "a write of %d elements of %d bytes is more than the %d byte limit", count, itemsize, limit)
	}
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

// appendReq is a validated append=N&append_dim=D.
type appendReq struct{ n, dim int }

func parseAppend(r *http.Request, d *hdf.Dataset, a string) (*appendReq, error) {
	if r.URL.Query().Get("select") != "" {
		return nil, httpErr(http.StatusBadRequest, "select is not allowed with append")
	}
	n, err := strconv.Atoi(a)
	if err != nil || n <= 0 || n > hdf.MaxExtent {
		return nil, httpErr(http.StatusBadRequest, "invalid append %q", a)
	}
	dim, err := intParam(r, "append_dim", 0)
	if err != nil {
		return nil, err
	}
	if dim < 0 || dim >= len(d.Dims) {
		return nil, httpErr(http.StatusBadRequest, "append_dim %d out of range for rank %d", dim, len(d.Dims))
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
func (s *Server) writePoints(r *http.Request, d *hdf.Dataset, pts [][]int, data []byte) error {
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
					copy(chunk[p.Offset*int64(is):(p.Offset+1)*int64(is)], data[p.Point*is:(p.Point+1)*is])
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
