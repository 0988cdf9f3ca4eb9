package output

import (
	"errors"
	"fmt"
)

// ColumnKind is the value type of a column.
type ColumnKind int

// Column kinds.
const (
	KindInvalid ColumnKind = iota
	KindFloat64
	KindInt64
	KindString
)

func (k ColumnKind) String() string {
	switch k {
	case KindFloat64:
		return "float64"
	case KindInt64:
		return "int64"
	case KindString:
		return "string"
	}
	return "invalid"
}

// Column is one named column; exactly one of the value slices is non-nil
// (an empty non-nil slice is a column of zero rows). Non-finite float64
// values (NaN, ±Inf) are missing values: null in Arrow and JSON.
type Column struct {
	Name    string
	Float64 []float64
	Int64   []int64
	String  []string
}

// Kind returns the column's type, KindInvalid unless exactly one slice is set.
func (c Column) Kind() ColumnKind {
	k, n := KindInvalid, 0
	if c.Float64 != nil {
		k, n = KindFloat64, n+1
	}
	if c.Int64 != nil {
		k, n = KindInt64, n+1
	}
	if c.String != nil {
		k, n = KindString, n+1
	}
	if n != 1 {
		return KindInvalid
	}
	return k
}

// Len returns the number of rows of the column.
func (c Column) Len() int {
	return len(c.Float64) + len(c.Int64) + len(c.String)
}

// Table is a result table: equal-length named columns plus free-form
// metadata (title, units, inputs) carried into every output format.
// Meta must be JSON-encodable.
type Table struct {
	Columns []Column
	Meta    map[string]any
}

// Rows returns the number of rows (0 for a table without columns).
func (t Table) Rows() int {
	if len(t.Columns) == 0 {
		return 0
	}
	return t.Columns[0].Len()
}

// Column returns the column with the given name.
func (t Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Validate checks names (non-empty, unique), kinds and lengths.
func (t Table) Validate() error {
	if len(t.Columns) == 0 {
		return errors.New("table has no columns")
	}
	seen := make(map[string]bool, len(t.Columns))
	rows := t.Columns[0].Len()
	for i, c := range t.Columns {
		if c.Name == "" {
			return fmt.Errorf("column %d has no name", i)
		}
		if seen[c.Name] {
			return fmt.Errorf("duplicate column %q", c.Name)
		}
		seen[c.Name] = true
		if c.Kind() == KindInvalid {
			return fmt.Errorf("column %q must have exactly one of Float64, Int64, String", c.Name)
		}
		if c.Len() != rows {
			return fmt.Errorf("column %q has %d rows, column %q has %d", c.Name, c.Len(), t.Columns[0].Name, rows)
		}
	}
	return nil
}
