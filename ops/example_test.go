package ops_test

import (
	"encoding/json"
	"fmt"

	"github.com/hsfan/hsfan/ops"
)

// The global mean SST recipe: CF-decode int16 kelvin, convert to Celsius,
// weight by cos(lat) limited to 60 degrees, reduce lat and lon per day.
func ExampleNewPartial() {
	attrs := map[string]any{
		"scale_factor": json.Number("0.001"),
		"add_offset":   json.Number("298.15"),
		"_FillValue":   json.Number("-32768"),
	}
	cf, err := ops.CFFromAttrs(attrs)
	if err != nil {
		panic(err)
	}
	cf.AddLinear(1, -273.15) // kelvin to Celsius (package cf's ConvertUnits does this)
	lat := []float64{-75, -30, 0, 30}
	g := &ops.Geometry{
		Shape:       []int{2, 4, 3}, // (time, lat, lon)
		Reduce:      []bool{false, true, true},
		AxisWeights: [][]float64{nil, ops.CosLatWeights(lat, 60), nil},
	}
	raw := [][]int16{ // one chunk per day
		{0, 0, 0, -5000, -5000, -32768, 0, 1000, 2000, 0, 0, 0},
		{1000, 1000, 1000, -1000, -1000, -1000, -32768, -32768, -32768, 500, 500, 500},
	}
	total := ops.NewPartial(ops.Mean, g, ops.Options{})
	vals := make([]float64, 12)
	for day, chunk := range raw {
		if err := ops.DecodeInt16(vals, chunk, &cf); err != nil {
			panic(err)
		}
		part := ops.NewPartial(ops.Mean, g, ops.Options{}) // in a worker
		if err := part.AddBlock([]int{day, 0, 0}, []int{1, 4, 3}, vals); err != nil {
			panic(err)
		}
		wire, err := part.MarshalBinary() // sent to the coordinator
		if err != nil {
			panic(err)
		}
		var back ops.Partial
		if err := back.UnmarshalBinary(wire); err != nil {
			panic(err)
		}
		if err := total.Merge(&back); err != nil {
			panic(err)
		}
	}
	res := total.Finalize()
	for day, v := range res.Value {
		fmt.Printf("day %d: %s %.4f C over %d cells\n", day, res.Kind, v, res.Count[day])
	}
	// The count is of the valid values of non-zero weight (latitude -75 lies outside +-60).
	// Output:
	// day 0: mean 24.2278 C over 8 cells
	// day 1: mean 24.7500 C over 6 cells
}
