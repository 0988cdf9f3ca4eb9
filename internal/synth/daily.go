package synth

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"github.com/hsfan/hsfan/hsds/hdf"
)

// Daily is a small CF domain for tests of time windows and incremental runs: /sst (time, lat,
// lon) float32 in kelvin with NaN as fill value and one chunk per day, /time ("days since ..."
// in a CF calendar, extensible, one value per chunk), /lat and /lon. Day k holds DailyValue(k,
// i, j) + the offset given to WriteDay.
type Daily struct {
	f         *hdf.File
	sst, time *hdf.Dataset
	// Days is the current length of the time axis.
	Days int
}

// DailyLat and DailyLon are the grid of a Daily domain.
const (
	DailyLat = 3
	DailyLon = 4
)

// DailyValue is the field: NaN on every 7th cell of the day-diagonals, else a smooth value.
func DailyValue(k, i, j int) float32 {
	if (k+i+j)%7 == 0 {
		return float32(math.NaN())
	}
	return float32(273.15 + 10*math.Sin(float64(k)/9) + float64(i) - 0.25*float64(j) + 0.001*float64(k*k%13))
}

// WriteDaily writes days days into the new, empty domain f, the time axis in units (e.g. "days
// since 2022-01-01 00:00:00") and calendar.
func WriteDaily(ctx context.Context, f *hdf.File, days int, units, calendar string) (*Daily, error) {
	tm, err := f.CreateDataset(ctx, f.RootID(), "time", hdf.DatasetSpec{Type: typeF64, Dims: []int{days}, MaxDims: []int{0}, ChunkDims: []int{1}, ExactChunks: true})
	if err != nil {
		return nil, fmt.Errorf("daily: %w", err)
	}
	if err := setAttrs(ctx, f, tm.ID, []attr{{"units", typeStr, nil, units}, {"calendar", typeStr, nil, calendar},
		{"standard_name", typeStr, nil, "time"}, {"axis", typeStr, nil, "T"}}); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name, units string
		n           int
	}{{"lat", "degrees_north", DailyLat}, {"lon", "degrees_east", DailyLon}} {
		vals := make([]float32, c.n)
		for i := range vals {
			vals[i] = float32(10*i - 10)
		}
		if err := writeCoord(ctx, f, c.name, typeF32, le32f(vals), []attr{{"units", typeStr, nil, c.units}}, nil); err != nil {
			return nil, err
		}
	}
	sst, err := f.CreateDataset(ctx, f.RootID(), "sst", hdf.DatasetSpec{Type: typeF32, Dims: []int{days, DailyLat, DailyLon},
		MaxDims: []int{0, DailyLat, DailyLon}, ChunkDims: []int{1, DailyLat, DailyLon}, ExactChunks: true, FillValue: json.RawMessage(`"NaN"`)})
	if err != nil {
		return nil, fmt.Errorf("daily: %w", err)
	}
	if err := setAttrs(ctx, f, sst.ID, []attr{{"units", typeStr, nil, "K"},
		{"DIMENSION_LABELS", typeStr, []int{3}, []string{"time", "lat", "lon"}}}); err != nil {
		return nil, err
	}
	d := &Daily{f: f, sst: sst, time: tm, Days: days}
	for k := 0; k < days; k++ {
		if err := d.WriteDay(ctx, k, 0); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// WriteDay writes day k (its values plus add, and its time value k).
func (d *Daily) WriteDay(ctx context.Context, k int, add float32) error {
	b := make([]byte, 4*DailyLat*DailyLon)
	for i := 0; i < DailyLat; i++ {
		for j := 0; j < DailyLon; j++ {
			binary.LittleEndian.PutUint32(b[4*(i*DailyLon+j):], math.Float32bits(DailyValue(k, i, j)+add))
		}
	}
	if err := d.sst.WriteChunk(ctx, []int{k, 0, 0}, b); err != nil {
		return fmt.Errorf("daily day %d: %w", k, err)
	}
	var tb [8]byte
	binary.LittleEndian.PutUint64(tb[:], math.Float64bits(float64(k)))
	if err := d.time.WriteChunk(ctx, []int{k}, tb[:]); err != nil {
		return fmt.Errorf("daily day %d: %w", k, err)
	}
	return nil
}

// AppendDay extends the time axis by one day as HSDS clients do (PUT shape of /time and /sst,
// then the new chunks).
func (d *Daily) AppendDay(ctx context.Context) error {
	for _, id := range []string{d.time.ID, d.sst.ID} {
		if _, _, err := d.f.Extend(ctx, id, 0, 1); err != nil {
			return fmt.Errorf("daily append: %w", err)
		}
	}
	var err error
	if d.sst, err = d.f.OpenDatasetPath(ctx, "/sst"); err != nil {
		return err
	}
	if d.time, err = d.f.OpenDatasetPath(ctx, "/time"); err != nil {
		return err
	}
	if err := d.WriteDay(ctx, d.Days, 0); err != nil {
		return err
	}
	d.Days++
	return nil
}

// OpenDaily reopens a Daily domain written earlier (to append to it).
func OpenDaily(ctx context.Context, f *hdf.File) (*Daily, error) {
	sst, err := f.OpenDatasetPath(ctx, "/sst")
	if err != nil {
		return nil, err
	}
	tm, err := f.OpenDatasetPath(ctx, "/time")
	if err != nil {
		return nil, err
	}
	return &Daily{f: f, sst: sst, time: tm, Days: sst.Dims[0]}, nil
}
