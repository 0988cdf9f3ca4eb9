package synth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/hdf"
)

// Type JSON used by the generators.
var (
	typeI16 = json.RawMessage(`"H5T_STD_I16LE"`)
	typeI32 = json.RawMessage(`"H5T_STD_I32LE"`)
	typeF32 = json.RawMessage(`"H5T_IEEE_F32LE"`)
	typeF64 = json.RawMessage(`"H5T_IEEE_F64LE"`)
	typeStr = json.RawMessage(`{"class":"H5T_STRING","charSet":"H5T_CSET_ASCII","strPad":"H5T_STR_NULLTERM","length":"H5T_VARIABLE"}`)
)

// SSTOptions configure WriteSST.
type SSTOptions struct {
	Days  int
	Start time.Time
	// Level is the gzip level of the chunks (4 when 0, h5py's default).
	Level int
	// Concurrency bounds the days generated at once (GOMAXPROCS when 0).
	Concurrency int
	// HSDSFrames writes the chunks as HSDS 0.9.4 writes them (blosc zlib, typesize 1 with the
	// shuffle flag: codec.Pipeline.HSDSFrames) instead of hsfan's typesize-2 frames.
	HSDSFrames bool
	// Progress, when set, is called after each day is written.
	Progress func(done, total int)
}

// attr is one attribute to write.
type attr struct {
	name  string
	typ   json.RawMessage
	dims  []int
	value any
}

// WriteSST writes the synthetic MUR25-like domain into f (a new, empty domain): /analysed_sst
// (time, lat, lon), day index k holding SSTDay(SSTDayNumber(o.Start)+k) (the same calendar date
// has the same values whatever o.Start is), int16 CF-packed with land as _FillValue, chunks of one day with the filters
// shuffle + gzip (stored as codec.Pipeline.Encode writes them: blosc zlib frames shuffled by
// blosc, which HSDS reads back as the same values), and the /time, /lat, /lon coordinates with CF
// attributes.
func WriteSST(ctx context.Context, f *hdf.File, o SSTOptions) error {
	if o.Days <= 0 {
		return fmt.Errorf("sst: days must be positive, got %d", o.Days)
	}
	if o.Level == 0 {
		o.Level = 4
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// /time is int32 seconds since 1981, as in MUR: it ends on 2049-01-19.
	if last := o.Start.AddDate(0, 0, o.Days).Add(9 * time.Hour); o.Start.Before(SSTEpoch) || last.Sub(SSTEpoch) > math.MaxInt32*time.Second {
		return fmt.Errorf("sst: days %s to %s do not fit MUR's int32 seconds since 1981-01-01", o.Start.Format("2006-01-02"), last.Format("2006-01-02"))
	}
	root := f.RootID()
	if err := setAttrs(ctx, f, root, []attr{
		{"title", typeStr, nil, "hsfan synthetic MUR25-like daily SST (deterministic)"},
		{"Conventions", typeStr, nil, "CF-1.7"},
		{"source", typeStr, nil, "hsfan gen sst"},
	}); err != nil {
		return err
	}
	times := make([]int32, o.Days)
	for d := range times {
		times[d] = SSTTime(o.Start, d)
	}
	if err := writeCoord(ctx, f, "time", typeI32, le32i(times), []attr{
		{"units", typeStr, nil, SSTEpochLabel}, {"long_name", typeStr, nil, "reference time of sst field"},
		{"standard_name", typeStr, nil, "time"}, {"axis", typeStr, nil, "T"}, {"calendar", typeStr, nil, "gregorian"},
	}, []int{0}); err != nil {
		return err
	}
	if err := writeCoord(ctx, f, "lat", typeF32, le32f(SSTLats()), []attr{
		{"units", typeStr, nil, "degrees_north"}, {"long_name", typeStr, nil, "latitude"},
		{"standard_name", typeStr, nil, "latitude"}, {"axis", typeStr, nil, "Y"},
	}, nil); err != nil {
		return err
	}
	if err := writeCoord(ctx, f, "lon", typeF32, le32f(SSTLons()), []attr{
		{"units", typeStr, nil, "degrees_east"}, {"long_name", typeStr, nil, "longitude"},
		{"standard_name", typeStr, nil, "longitude"}, {"axis", typeStr, nil, "X"},
	}, nil); err != nil {
		return err
	}
	filters := json.RawMessage(fmt.Sprintf(`[{"class":"H5Z_FILTER_SHUFFLE","id":2,"name":"shuffle"},{"class":"H5Z_FILTER_DEFLATE","id":1,"level":%d,"name":"gzip"}]`, o.Level))
	ds, err := f.CreateDataset(ctx, root, "analysed_sst", hdf.DatasetSpec{
		Type: typeI16, Dims: []int{o.Days, SSTLat, SSTLon}, MaxDims: []int{0, SSTLat, SSTLon},
		ChunkDims: []int{1, SSTLat, SSTLon}, ExactChunks: true, Filters: filters,
		FillValue: json.RawMessage(fmt.Sprint(SSTFill)),
	})
	if err != nil {
		return fmt.Errorf("sst: %w", err)
	}
	if err := setAttrs(ctx, f, ds.ID, []attr{
		{"long_name", typeStr, nil, "analysed sea surface temperature"},
		{"standard_name", typeStr, nil, "sea_surface_foundation_temperature"},
		{"units", typeStr, nil, "kelvin"},
		{"_FillValue", typeI16, nil, SSTFill},
		{"add_offset", typeF64, nil, SSTOffset},
		{"scale_factor", typeF64, nil, SSTScale},
		{"valid_min", typeI16, nil, -32767},
		{"valid_max", typeI16, nil, 32767},
		{"coordinates", typeStr, nil, "time lat lon"},
		{"DIMENSION_LABELS", typeStr, []int{3}, []string{"time", "lat", "lon"}},
	}); err != nil {
		return err
	}
	ds.Pipeline.HSDSFrames = o.HSDSFrames
	land := LandMask()
	day0 := SSTDayNumber(o.Start) // the field follows the calendar date, not the index
	conc := o.Concurrency
	if conc <= 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	var mu sync.Mutex
	n := 0
	for d := 0; d < o.Days && gctx.Err() == nil; d++ {
		g.Go(func() error {
			vals := make([]int16, SSTLat*SSTLon)
			SSTDay(day0+d, vals, land)
			if err := ds.WriteChunk(gctx, []int{d, 0, 0}, le16(vals)); err != nil {
				return fmt.Errorf("sst day %d: %w", d, err)
			}
			mu.Lock()
			n++
			if o.Progress != nil {
				o.Progress(n, o.Days)
			}
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// writeCoord writes a 1-D coordinate dataset (one chunk) with its attributes, marked as a
// dimension scale. maxdims nil means fixed size.
func writeCoord(ctx context.Context, f *hdf.File, name string, typ json.RawMessage, data []byte, attrs []attr, maxdims []int) error {
	spec := hdf.DatasetSpec{Type: typ, Dims: []int{len(data) / itemSize(typ)}}
	if maxdims != nil {
		spec.MaxDims = maxdims
	}
	spec.ChunkDims = spec.Dims
	spec.ExactChunks = true
	ds, err := f.CreateDataset(ctx, f.RootID(), name, spec)
	if err != nil {
		return fmt.Errorf("coordinate %s: %w", name, err)
	}
	if err := ds.WriteChunk(ctx, []int{0}, data); err != nil {
		return fmt.Errorf("coordinate %s: %w", name, err)
	}
	attrs = append(attrs, attr{"CLASS", typeStr, nil, "DIMENSION_SCALE"}, attr{"NAME", typeStr, nil, name})
	return setAttrs(ctx, f, ds.ID, attrs)
}

func setAttrs(ctx context.Context, f *hdf.File, id string, attrs []attr) error {
	for _, a := range attrs {
		if err := f.SetAttribute(ctx, id, a.name, a.typ, a.dims, a.value); err != nil {
			return err
		}
	}
	return nil
}

func itemSize(typ json.RawMessage) int {
	switch string(typ) {
	case string(typeI16):
		return 2
	case string(typeF64):
		return 8
	}
	return 4
}

func le16(v []int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func le32i(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func le32f(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}
