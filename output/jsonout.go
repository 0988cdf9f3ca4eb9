package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// WriteJSON writes t as {"columns": {"<col>": [...], ...}, "meta": {...}}
// with the columns in table order. Non-finite floats (NaN, ±Inf) are
// written as null, since JSON has no such numbers; finite floats use the
// shortest representation that reads back to the same float64.
func WriteJSON(w io.Writer, t Table) error {
	if err := t.Validate(); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	meta, err := json.Marshal(t.Meta)
	if err != nil {
		return fmt.Errorf("write json: encode meta: %w", err)
	}
	if t.Meta == nil {
		meta = []byte("{}")
	}
	bw := bufio.NewWriter(w)
	var b []byte
	b = append(b, `{"columns": {`...)
	for i, c := range t.Columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n  "...)
		name, _ := json.Marshal(c.Name)
		b = append(b, name...)
		b = append(b, ": ["...)
		for j := 0; j < c.Len(); j++ {
			if j > 0 {
				b = append(b, ", "...)
			}
			switch c.Kind() {
			case KindFloat64:
				b = appendJSONFloat(b, c.Float64[j])
			case KindInt64:
				b = strconv.AppendInt(b, c.Int64[j], 10)
			case KindString:
				b = appendJSONString(b, c.String[j])
			}
			if len(b) > 64<<10 {
				if _, err := bw.Write(b); err != nil {
					return fmt.Errorf("write json: %w", err)
				}
				b = b[:0]
			}
		}
		b = append(b, ']')
	}
	b = append(b, "\n}, \"meta\": "...)
	b = append(b, meta...)
	b = append(b, "}\n"...)
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// appendJSONString appends s quoted as encoding/json's Marshal does: strings of printable ASCII
// that json.Marshal leaves alone (no quote, backslash, or the HTML-escaped <, >, &) are copied
// as they are, anything else goes through json.Marshal itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat formats f like encoding/json, with null for non-finite values.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
