package hdf

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
)

// Arange is the "arange" chunk initializer of HSDS (datanode_lib.py arange_chunk_init): a chunk
// that was never written holds numpy's arange(start + i*chunk*step, ..., step) for chunk index i
// instead of the fill value. It applies to rank-1 integer and float datasets.
type Arange struct {
	Start, Step float64
}

// ParseInitializer reads creationProperties.initializer, a list such as ["arange",
// "--start=0", "--step=1"]. It returns nil (and no error) for no initializer and for
// initializers other than arange, which HSDS runs as external programs
// (hsds-chunklocator) and hsfan does not: their chunks read as the fill value. An arange
// initializer with bad arguments, a zero step, or on a dataset that is not rank 1 of an integer
// or float type is an error.
func ParseInitializer(raw json.RawMessage, t *h5type.Type, rank int) (*Arange, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var args []string
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, fmt.Errorf("initializer: want a list of strings: %w", err)
	}
	if len(args) == 0 || args[0] != "arange" {
		return nil, nil
	}
	a := &Arange{Start: 0, Step: 1}
	for _, arg := range args[1:] {
		k, v, ok := strings.Cut(arg, "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("initializer arange: argument %q: want --start=<number> or --step=<number>", arg)
		}
		switch k {
		case "--start":
			a.Start = f
		case "--step":
			a.Step = f
		default:
			return nil, fmt.Errorf("initializer arange: unknown argument %q (allowed: --start, --step)", arg)
		}
	}
	if rank != 1 {
		return nil, fmt.Errorf("initializer arange: the dataset must have rank 1, not %d", rank)
	}
	if c := t.Class(); c != h5type.ClassInteger && c != h5type.ClassFloat {
		return nil, fmt.Errorf("initializer arange: type class %s: want an integer or float type", c)
	}
	if a.Step == 0 || t.Class() == h5type.ClassInteger && math.Trunc(a.Step) == 0 {
		return nil, fmt.Errorf("initializer arange: step must not be zero")
	}
	return a, nil
}

// fill writes chunk index's arange values into dst (whole elements of t), as
// arange_chunk_init: start += index*len*step, both made integers (truncated) for integer types,
// then element k is start + k*step, cast to the element type (wrapping as numpy does).
func (a *Arange) fill(dst []byte, index int, t *h5type.Type) {
	size := t.Size()
	n := len(dst) / size
	start := a.Start + float64(index)*float64(n)*a.Step
	order := t.Order()
	if t.Class() == h5type.ClassInteger {
		s, st := int64(start), int64(a.Step)
		for k := 0; k < n; k++ {
			v := uint64(s + int64(k)*st)
			p := dst[k*size : (k+1)*size]
			switch size {
			case 1:
				p[0] = byte(v)
			case 2:
				order.PutUint16(p, uint16(v))
			case 4:
				order.PutUint32(p, uint32(v))
			default:
				order.PutUint64(p, v)
			}
		}
		return
	}
	for k := 0; k < n; k++ {
		v := start + float64(k)*a.Step
		p := dst[k*size : (k+1)*size]
		switch size {
		case 2:
			order.PutUint16(p, h5type.Float64ToFloat16(v))
		case 4:
			order.PutUint32(p, math.Float32bits(float32(v)))
		default:
			order.PutUint64(p, math.Float64bits(v))
		}
	}
}

// initializer returns the dataset's arange initializer (nil when it has none).
func initializerOf(obj *schema.Dataset, t *h5type.Type, rank int) (*Arange, error) {
	var cp map[string]json.RawMessage
	if len(obj.CreationProperties) == 0 || json.Unmarshal(obj.CreationProperties, &cp) != nil {
		return nil, nil
	}
	return ParseInitializer(cp["initializer"], t, rank)
}
