package selection

import (
	"strconv"
	"strings"
	"unicode"
)

// maxSelectLen bounds the select string (coordinate lists make it long).
const maxSelectLen = 1 << 22

// Parse parses a select string against the dataset extents dims:
// bracketed, whitespace ignored, one comma-separated element per dimension,
// each "start:stop[:step]" (empty start = 0, empty stop = extent, empty
// step = 1), ":", a single index (dimension kept with count 1) or a
// coordinate list "[i,j,k]" (any order, repeats allowed). Several lists
// must have one length and are paired element by element (see Selection
// for the output shape). An empty string selects everything. For a scalar
// dataset (no dims) "" and "[]" select the single element.
func Parse(s string, dims []int) (*Selection, error) {
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	if len(s) > maxSelectLen {
		return nil, invalid("select string too long (%d bytes)", len(s))
	}
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if len(dims) == 0 {
		if compact == "" || compact == "[]" {
			return scalarSelection(), nil
		}
		if _, err := Parse(s, []int{1}); err != nil {
			return nil, err
		}
		return scalarSelection(), nil
	}
	if compact == "" {
		return All(dims), nil
	}
	if len(compact) < 2 || compact[0] != '[' || compact[len(compact)-1] != ']' {
		return nil, invalid("select must be enclosed in brackets")
	}
	elems, err := splitElements(compact[1 : len(compact)-1])
	if err != nil {
		return nil, err
	}
	if len(elems) != len(dims) {
		return nil, invalid("rank of selection (%d) does not match dataset rank (%d)", len(elems), len(dims))
	}
	sel := make([]Dim, len(dims))
	for d, el := range elems {
		dim, err := parseElement(d, el, dims[d])
		if err != nil {
			return nil, err
		}
		sel[d] = dim
	}
	return newSelection(dims, sel)
}

// splitElements splits the bracket contents into per-dimension elements,
// as HSDS _getSelectElements does (commas inside a coordinate list do not
// split).
func splitElements(body string) ([]string, error) {
	var out []string
	start := 0
	inList := false
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case ',':
			if inList {
				continue
			}
			if i == start {
				return nil, invalid("empty element for dim %d", len(out))
			}
			out = append(out, body[start:i])
			start = i + 1
		case '[':
			if inList {
				return nil, invalid("nested coordinate list")
			}
			inList = true
		case ']':
			if !inList {
				return nil, invalid("']' without '['")
			}
			inList = false
		case ':':
			if inList {
				return nil, invalid("range not allowed in a coordinate list")
			}
		}
	}
	if inList {
		return nil, invalid("unterminated coordinate list")
	}
	if start == len(body) {
		return nil, invalid("empty element for dim %d", len(out))
	}
	return append(out, body[start:]), nil
}

// parseInt accepts an optionally signed decimal integer (Python int()).
func parseInt(s string) (int, bool) {
	if s == "" || len(s) > 20 {
		return 0, false
	}
	digits := s
	if s[0] == '+' || s[0] == '-' {
		digits = s[1:]
	}
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.Atoi(s)
	return v, err == nil
}

func parseElement(d int, el string, extent int) (Dim, error) {
	if el[0] == '[' {
		if el[len(el)-1] != ']' {
			return Dim{}, invalid("invalid coordinate list for dim %d", d)
		}
		fields := strings.Split(el[1:len(el)-1], ",")
		coords := make([]int, 0, len(fields))
		for _, f := range fields {
			v, ok := parseInt(f)
			if !ok {
				return Dim{}, invalid("invalid coordinate for dim %d", d)
			}
			if v < 0 || v >= extent {
				return Dim{}, invalid("out of range coordinate for dim %d, %d not in range: 0-%d", d, v, extent-1)
			}
			coords = append(coords, v)
		}
		return Dim{Coords: coords}, nil
	}
	if strings.IndexByte(el, ':') < 0 {
		v, ok := parseInt(el)
		if !ok {
			return Dim{}, invalid("index value for dim %d", d)
		}
		if v < 0 || v >= extent {
			return Dim{}, invalid("index value out of range for dim %d", d)
		}
		return Dim{Start: v, Stop: v + 1, Step: 1}, nil
	}
	fields := strings.Split(el, ":")
	if len(fields) > 3 {
		return Dim{}, invalid("invalid selection format for dim %d", d)
	}
	start, stop, step := 0, extent, 1
	var ok bool
	if fields[0] != "" {
		if start, ok = parseInt(fields[0]); !ok {
			return Dim{}, invalid("start value for dim %d", d)
		}
	}
	if fields[1] != "" {
		if stop, ok = parseInt(fields[1]); !ok {
			return Dim{}, invalid("stop value for dim %d", d)
		}
	}
	if len(fields) == 3 && fields[2] != "" {
		if step, ok = parseInt(fields[2]); !ok {
			return Dim{}, invalid("step value for dim %d", d)
		}
	}
	if err := checkSlice(d, start, stop, step, extent); err != nil {
		return Dim{}, err
	}
	return Dim{Start: start, Stop: stop, Step: step}, nil
}

// ShapeText describes dims for error messages, with the valid index range of each dimension:
// "(365, 720, 1440): indices 0-364, 0-719, 0-1439" ("()" for a scalar).
func ShapeText(dims []int) string {
	if len(dims) == 0 {
		return "() (scalar)"
	}
	sizes := make([]string, len(dims))
	ranges := make([]string, len(dims))
	for i, n := range dims {
		sizes[i] = strconv.Itoa(n)
		ranges[i] = "0-" + strconv.Itoa(n-1)
		if n == 0 {
			ranges[i] = "none"
		}
	}
	return "(" + strings.Join(sizes, ", ") + "): indices " + strings.Join(ranges, ", ")
}
