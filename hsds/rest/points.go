package rest

import (
	"context"
	"encoding/json"
	"math"
	"net/http"

	"github.com/hsfan/hsfan/hsds/h5type"
)

// pointBytes is the memory one parsed point of rank coordinates holds in a point request: its
// coordinates, its slice header and its entry in selection.GroupPoints (with append slack).
func pointBytes(rank int) int64 { return int64(8*rank + 24 + 40) }

// parsePoints decodes JSON points: a list of coordinate lists, or of ints for rank 1. Plain
// integer lists (what h5pyd and numpy's tolist() send) are scanned into one flat array after
// their memory is reserved (503 when the in-flight budget is full); anything else (null,
// fractions, exponents, huge numbers, wrong nesting) takes encoding/json's path and its answer.
func parsePoints(ctx context.Context, raw json.RawMessage, rank int) ([][]int, error) {
	if n, ok := scanIntPoints(raw, rank, nil); ok {
		if err := reserve(ctx, int64(n)*pointBytes(rank)); err != nil {
			return nil, err
		}
		flat := make([]int, 0, n*rank)
		scanIntPoints(raw, rank, &flat)
		pts := make([][]int, n)
		for i := range pts {
			pts[i] = flat[i*rank : (i+1)*rank : (i+1)*rank]
		}
		return pts, nil
	}
	if err := reserve(ctx, decodeEstimate*int64(len(raw))); err != nil {
		return nil, err
	}
	return parsePointsJSON(raw, rank)
}

// parsePointsJSON is parsePoints by encoding/json.
func parsePointsJSON(raw json.RawMessage, rank int) ([][]int, error) {
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

// scanIntPoints checks that raw is a list of points, each a list of rank JSON integers (for
// rank 1 also a plain list of integers), every integer fitting an int64, and returns the number
// of points; with out set it also appends the coordinates to *out. ok is false for any other
// text (parsePointsJSON decides those).
func scanIntPoints(raw []byte, rank int, out *[]int) (n int, ok bool) {
	b := raw
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return 0, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return 0, skipWS(b, i+1) == len(b) // [] is no points
	}
	flatForm := rank == 1 && i < len(b) && b[i] != '['
	for {
		if flatForm {
			v, e, good := scanInt(b, i)
			if !good {
				return 0, false
			}
			if out != nil {
				*out = append(*out, v)
			}
			i = e
		} else {
			if i >= len(b) || b[i] != '[' {
				return 0, false
			}
			i++
			for d := 0; d < rank; d++ {
				if d > 0 {
					if i = skipWS(b, i); i >= len(b) || b[i] != ',' {
						return 0, false
					}
					i++
				}
				v, e, good := scanInt(b, skipWS(b, i))
				if !good {
					return 0, false
				}
				if out != nil {
					*out = append(*out, v)
				}
				i = e
			}
			if i = skipWS(b, i); i >= len(b) || b[i] != ']' {
				return 0, false
			}
			i++
		}
		n++
		if i = skipWS(b, i); i >= len(b) {
			return 0, false
		}
		if b[i] == ']' {
			return n, skipWS(b, i+1) == len(b)
		}
		if b[i] != ',' {
			return 0, false
		}
		i = skipWS(b, i+1)
	}
}

// scanInt reads a JSON integer (-?(0|[1-9][0-9]*), no fraction or exponent) at b[i] that fits
// an int64, returning it and the index past it.
func scanInt(b []byte, i int) (v, end int, ok bool) {
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	s := i
	var u uint64
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if u > (math.MaxInt64)/10 {
			return 0, 0, false
		}
		u = u*10 + uint64(b[i]-'0')
		i++
	}
	if i == s || i-s > 1 && b[s] == '0' || u > math.MaxInt64 || i < len(b) && !isDelim(b[i]) {
		return 0, 0, false
	}
	if neg {
		return -int(u), i, true
	}
	return int(u), i, true
}

// jsonElementBytes bounds the bytes one element of t takes in a JSON value response,
// separator and list brackets included (for the in-flight budget and the response buffer).
func jsonElementBytes(t *h5type.Type) int64 {
	switch t.Class() {
	case h5type.ClassInteger:
		return []int64{0, 6, 8, 0, 13, 0, 0, 0, 22}[min(t.Size(), 8)] + 4
	case h5type.ClassFloat:
		return 26 + 4
	}
	return int64(max(t.Size(), 4))*6 + 8
}
