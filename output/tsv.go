package output

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
)

// tsvEscape escapes the characters TSV cannot hold in a field as PostgreSQL's text format does:
// backslash, tab, newline and carriage return become \\, \t, \n and \r.
var tsvEscape = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)

// WriteTSV writes t as tab-separated values: a header of the column names, then one line per
// row. Strings are escaped (tsvEscape), integers in decimal, floats in the shortest form that
// reads back exactly (strconv 'g', -1); missing (non-finite) floats are empty fields.
func WriteTSV(w io.Writer, t Table) error {
	if err := t.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var line []byte
	for i, c := range t.Columns {
		if i > 0 {
			line = append(line, '\t')
		}
		line = append(line, tsvEscape.Replace(c.Name)...)
	}
	line = append(line, '\n')
	if _, err := bw.Write(line); err != nil {
		return err
	}
	for r := range t.Rows() {
		line = line[:0]
		for i, c := range t.Columns {
			if i > 0 {
				line = append(line, '\t')
			}
			switch c.Kind() {
			case KindString:
				s := c.String[r]
				if strings.ContainsAny(s, "\\\t\n\r") {
					s = tsvEscape.Replace(s)
				}
				line = append(line, s...)
			case KindInt64:
				line = strconv.AppendInt(line, c.Int64[r], 10)
			case KindFloat64:
				if f := c.Float64[r]; !math.IsNaN(f) && !math.IsInf(f, 0) {
					line = strconv.AppendFloat(line, f, 'g', -1, 64)
				}
			}
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}
