package pyjson

import (
	"encoding/json"
	"strconv"
	"testing"
)

// valueBody is a PUT value body of n floats, every tenth one NaN when withNaN is set.
func valueBody(n int, withNaN bool) []byte {
	b := []byte(`{"value": [`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		if withNaN && i%10 == 0 {
			b = append(b, "NaN"...)
			continue
		}
		b = strconv.AppendFloat(b, float64(i)*0.37, 'g', -1, 64)
	}
	return append(b, "]}"...)
}

// BenchmarkBody compares ToStd with the json.Unmarshal into raw fields that every JSON body
// already goes through (decodeBody), on a 1M-number body.
func BenchmarkBody(b *testing.B) {
	for _, c := range []struct {
		name    string
		withNaN bool
	}{{"standard", false}, {"tenth NaN", true}} {
		body := valueBody(1_000_000, c.withNaN)
		std, err := ToStd(body)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/ToStd", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				if _, err := ToStd(body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/json.Unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(std)))
			for i := 0; i < b.N; i++ {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(std, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/FromStd", func(b *testing.B) {
			b.SetBytes(int64(len(std)))
			for i := 0; i < b.N; i++ {
				_ = FromStd(std)
			}
		})
	}
}
