package rest

import (
	"encoding/json"
	"testing"
)

// TestJSONTruthy: body flags mean what Python's truth of the JSON value means (HSDS tests them
// with `key in body and body[key]`).
func TestJSONTruthy(t *testing.T) {
	for raw, want := range map[string]bool{
		`1`: true, `0`: false, `0.0`: false, `-1`: true, `2.5`: true, `true`: true, `false`: false,
		`null`: false, `""`: false, `"0"`: true, `"false"`: true, `[]`: false, `[0]`: true, `{}`: false,
		`{"a": 1}`: true, ` 1 `: true, `1e-300`: true,
	} {
		if got := jsonTruthy(json.RawMessage(raw)); got != want {
			t.Errorf("jsonTruthy(%s) = %v, want %v", raw, got, want)
		}
	}
}
