package cf

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/ops"
)

// DecodeBytes CF-decodes n = len(raw)/t.Size() elements of raw (element type t, C order) into
// dst[:n] as float64: NaN for fill, missing and out-of-range values (see ops.CF). Little-endian
// numeric types take the zero-copy path; big-endian, float16 and enum/bool values are converted
// to float64 first. A nil cf converts without decoding.
func DecodeBytes(dst []float64, raw []byte, t *h5type.Type, cf *ops.CF) error {
	le := t.Order() == binary.LittleEndian || t.Size() == 1
	if le && t.IsNumeric() {
		switch {
		case t.IsFloat() && t.Size() == 4:
			return ops.DecodeFloat32(dst, h5type.Float32s(raw), cf)
		case t.IsFloat() && t.Size() == 8:
			return ops.DecodeFloat64(dst, h5type.Float64s(raw), cf)
		case !t.IsFloat() && t.IsSigned():
			switch t.Size() {
			case 1:
				return ops.DecodeInt8(dst, h5type.Int8s(raw), cf)
			case 2:
				return ops.DecodeInt16(dst, h5type.Int16s(raw), cf)
			case 4:
				return ops.DecodeInt32(dst, h5type.Int32s(raw), cf)
			case 8:
				return ops.DecodeInt64(dst, h5type.Int64s(raw), cf)
			}
		case !t.IsFloat():
			switch t.Size() {
			case 1:
				return ops.DecodeUint8(dst, raw, cf)
			case 2:
				return ops.DecodeUint16(dst, h5type.Uint16s(raw), cf)
			case 4:
				return ops.DecodeUint32(dst, h5type.Uint32s(raw), cf)
			case 8:
				return ops.DecodeUint64(dst, h5type.Uint64s(raw), cf)
			}
		}
	}
	if err := h5type.ToFloat64(dst, raw, t); err != nil {
		return err
	}
	if cf != nil && (cf.Unsigned || cf.Signed) && t.IsNumeric() && !t.IsFloat() {
		// The slow path converted with the stored signedness: move to the other one.
		n := len(raw) / t.Size()
		m := math.Ldexp(1, 8*t.Size())
		for i := range dst[:n] {
			switch {
			case cf.Unsigned && t.IsSigned() && dst[i] < 0:
				dst[i] += m
			case cf.Signed && !t.IsSigned() && dst[i] >= m/2:
				dst[i] -= m
			}
		}
		c := *cf
		c.Unsigned, c.Signed = false, false
		return ops.DecodeFloat64(dst, dst, &c)
	}
	return ops.DecodeFloat64(dst, dst, cf)
}

// ReadDecoded reads the selection sel of a numeric dataset (nil: all of it) as float64,
// CF-decoded with the dataset's own attributes (Decoding): the values of a packed coordinate
// (int16 lat with scale_factor 0.01 gives degrees) or of a weights dataset, as xarray gives them.
// Masked values are NaN.
func ReadDecoded(ctx context.Context, d *hdf.Dataset, sel *selection.Selection) ([]float64, error) {
	if !d.Type.IsNumeric() {
		return nil, fmt.Errorf("dataset %s: %s values are not numbers", d.ID, d.Type.Class())
	}
	c, err := Decoding(&d.Obj)
	if err != nil {
		return nil, err
	}
	if sel == nil {
		sel = selection.All(d.Dims)
	}
	raw, _, err := d.Read(ctx, sel, 0)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(raw)/d.ItemSize)
	if err := DecodeBytes(out, raw, d.Type, &c); err != nil {
		return nil, fmt.Errorf("dataset %s: %w", d.ID, err)
	}
	return out, nil
}
