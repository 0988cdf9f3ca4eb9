package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/selection"
)

// Table queries (query= on one-dimensional compound datasets), as HSDS 0.9.4 runs them: an
// expression in the grammar of hsds/util/boolparser.py (BooleanParser, which HSDS uses to
// validate the query) optionally followed by a "where FIELD in (v1, v2, ...)" clause
// (hsds/util/chunkUtil.py _getWhereFieldName, _getWhereElements); rows match when the
// expression is true and (with where) the field is one of the values (chunkQuery).
//
// The grammar (parsed by parseBoolExpr, boolparser.go; names are field names) is HSDS's own (a port of its parser, not a general expression language, so that
// exactly the queries HSDS accepts are accepted). HSDS then evaluates the query text with numpy;
// the parse tree gives the same rows for every query the grammar accepts when the conditions
// are parenthesised or joined with AND/OR. Numbers compare as float64 (integers beyond 2^53
// lose precision); fixed-length strings compare as bytes with trailing NULs stripped (numpy's
// S dtype).

// tableQuery is a parsed query= parameter.
type tableQuery struct {
	expr        *boolNode // nil for a where clause only
	whereField  string
	whereValues [][]byte // the where values as text (bytes literals without b'')
}

// parseTableQuery parses q for a dataset of type t (HSDS dset_lib.py getParser and chunkUtil.py
// chunkQuery's checks): every variable and the where field must be a field of t.
func parseTableQuery(q string, t *h5type.Type) (*tableQuery, error) {
	if t.Class() != h5type.ClassCompound {
		return nil, fmt.Errorf("query: the dataset type is not a compound")
	}
	tq := &tableQuery{}
	expr, where := q, ""
	if strings.HasPrefix(q, "where") {
		expr, where = "", q
	} else if n := strings.Index(q, " where "); n > 0 {
		expr, where = q[:n], q[n+1:]
	}
	if expr != "" {
		e, err := parseBoolExpr(expr)
		if err != nil {
			return nil, fmt.Errorf("query: %s is not valid: %v", expr, err)
		}
		tq.expr = e.root
		if err := checkVars(e.root, t); err != nil {
			return nil, err
		}
	}
	if where != "" {
		f, err := whereFieldName(where)
		if err != nil {
			return nil, fmt.Errorf("query: %v", err)
		}
		if _, ok := t.Field(f); !ok {
			return nil, fmt.Errorf("query: where field %s is not a member of dataset type", f)
		}
		vals, err := whereElements(where)
		if err != nil {
			return nil, fmt.Errorf("query: %v", err)
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("query: where key word with no elements")
		}
		tq.whereField, tq.whereValues = f, vals
	}
	if tq.expr == nil && tq.whereField == "" {
		return nil, fmt.Errorf("query: %q has no condition", q)
	}
	return tq, nil
}

func checkVars(n *boolNode, t *h5type.Type) error {
	if n == nil {
		return nil
	}
	if n.op == boolName {
		f, ok := t.Field(n.text)
		if !ok {
			return fmt.Errorf("query variable %s not valid", n.text)
		}
		if c := f.Type.Class(); c != h5type.ClassInteger && c != h5type.ClassFloat && c != h5type.ClassString {
			return fmt.Errorf("query variable %s: fields of class %s can not be compared", n.text, c)
		}
		if f.Type.IsVariable() {
			return fmt.Errorf("query variable %s: variable-length fields can not be compared", n.text)
		}
	}
	if err := checkVars(n.left, t); err != nil {
		return err
	}
	return checkVars(n.right, t)
}

// whereFieldName is chunkUtil.py _getWhereFieldName.
func whereFieldName(q string) (string, error) {
	i := -1
	if strings.HasPrefix(q, "where ") {
		i = len("where ")
	} else if n := strings.Index(q, " where "); n > 0 {
		i = n + len(" where ")
	}
	if i < 0 {
		return "", fmt.Errorf("query where with no fieldname")
	}
	var name []byte
	var quote byte
	for ; i < len(q); i++ {
		ch := q[i]
		if quote != 0 && ch == quote {
			quote = 0
			break
		}
		if ch == '\'' || ch == '"' {
			quote = ch
			continue
		}
		alnum := ch == '_' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
		if len(name) > 0 && !alnum && quote == 0 {
			break
		}
		if quote != 0 || alnum {
			name = append(name, ch)
		}
	}
	if len(name) == 0 {
		return "", fmt.Errorf("query where with no fieldname")
	}
	if quote != 0 {
		return "", fmt.Errorf("unclosed quote")
	}
	return string(name), nil
}

// whereElements is chunkUtil.py _getWhereElements: the values of "in (a, b'x', 'y')".
func whereElements(q string) ([][]byte, error) {
	n := strings.Index(q, " in ")
	if n < 0 {
		return nil, fmt.Errorf("where query with no 'in' keyword")
	}
	n += 4
	i := strings.Index(q[n:], "(")
	if i < 0 {
		return nil, fmt.Errorf("where in query with no '(' character")
	}
	i += n + 1
	var out [][]byte
	var cur []byte
	have := false
	var quote byte
	for ; i < len(q); i++ {
		ch := q[i]
		if quote != 0 && ch == quote {
			quote = 0
			out = append(out, append([]byte{}, cur...))
			cur, have = nil, false
			continue
		}
		if quote != 0 {
			cur = append(cur, ch)
			continue
		}
		switch {
		case ch == '\'' || ch == '"':
			quote = ch
			cur, have = nil, true // a b prefix is dropped: bytes and str compare alike here
		case ch == ',':
			if have {
				out = append(out, cur)
			}
			cur, have = nil, false
		case ch == ')':
			if have {
				out = append(out, cur)
			}
			return out, nil
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
		default:
			cur, have = append(cur, ch), true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed quote")
	}
	return out, nil
}

// qColumn is one field of the rows: numbers or strings.
type qColumn struct {
	nums []float64
	strs [][]byte
}

func column(data []byte, t *h5type.Type, name string, n int) (*qColumn, error) {
	f, _ := t.Field(name)
	sz := t.Size()
	fs := f.Type.Size()
	c := &qColumn{}
	if f.Type.Class() == h5type.ClassString {
		c.strs = make([][]byte, n)
		for i := range n {
			c.strs[i] = bytes.TrimRight(data[i*sz+f.Offset:i*sz+f.Offset+fs], "\x00")
		}
		return c, nil
	}
	packed := make([]byte, 0, n*fs)
	for i := range n {
		packed = append(packed, data[i*sz+f.Offset:i*sz+f.Offset+fs]...)
	}
	c.nums = make([]float64, n)
	if err := h5type.ToFloat64(c.nums, packed, f.Type); err != nil {
		return nil, fmt.Errorf("query: field %s: %w", name, err)
	}
	return c, nil
}

// match returns, for n rows of type t packed in data, whether each row matches.
func (tq *tableQuery) match(data []byte, t *h5type.Type, n int) ([]bool, error) {
	cols := map[string]*qColumn{}
	get := func(name string) (*qColumn, error) {
		if c, ok := cols[name]; ok {
			return c, nil
		}
		c, err := column(data, t, name, n)
		cols[name] = c
		return c, err
	}
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	if tq.expr != nil {
		m, err := evalNode(tq.expr, get, n)
		if err != nil {
			return nil, err
		}
		out = m
	}
	if tq.whereField != "" {
		c, err := get(tq.whereField)
		if err != nil {
			return nil, err
		}
		var nums []float64
		if c.nums != nil {
			for _, v := range tq.whereValues {
				f, err := strconv.ParseFloat(string(v), 64)
				if err != nil {
					return nil, fmt.Errorf("query: where elements are not compatible with field datatype")
				}
				nums = append(nums, f)
			}
		}
		for i := range out {
			if !out[i] {
				continue
			}
			in := false
			if c.nums != nil {
				for _, f := range nums {
					in = in || c.nums[i] == f
				}
			} else {
				for _, v := range tq.whereValues {
					in = in || bytes.Equal(c.strs[i], v)
				}
			}
			out[i] = in
		}
	}
	return out, nil
}

// qValue is a terminal's value over the rows: a column or a constant.
type qValue struct {
	col *qColumn
	num float64
	str []byte
	isS bool
}

func evalNode(nd *boolNode, get func(string) (*qColumn, error), n int) ([]bool, error) {
	switch nd.op {
	case boolAnd, boolOr:
		l, err := evalNode(nd.left, get, n)
		if err != nil {
			return nil, err
		}
		r, err := evalNode(nd.right, get, n)
		if err != nil {
			return nil, err
		}
		for i := range l {
			if nd.op == boolAnd {
				l[i] = l[i] && r[i]
			} else {
				l[i] = l[i] || r[i]
			}
		}
		return l, nil
	}
	term := func(t *boolNode) (qValue, error) {
		switch t.op {
		case boolNum:
			return qValue{num: t.num}, nil
		case boolStr, boolBytes: // numpy compares both with the S columns
			return qValue{str: []byte(t.text), isS: true}, nil
		case boolName:
			c, err := get(t.text)
			return qValue{col: c, isS: c != nil && c.strs != nil}, err
		}
		return qValue{}, fmt.Errorf("query: a condition is expected where a terminal is")
	}
	l, err := term(nd.left)
	if err != nil {
		return nil, err
	}
	r, err := term(nd.right)
	if err != nil {
		return nil, err
	}
	if l.isS != r.isS {
		return nil, fmt.Errorf("query: a string and a number can not be compared")
	}
	out := make([]bool, n)
	for i := range out {
		var c int
		if l.isS {
			a, b := l.str, r.str
			if l.col != nil {
				a = l.col.strs[i]
			}
			if r.col != nil {
				b = r.col.strs[i]
			}
			c = bytes.Compare(a, b)
		} else {
			a, b := l.num, r.num
			if l.col != nil {
				a = l.col.nums[i]
			}
			if r.col != nil {
				b = r.col.nums[i]
			}
			switch {
			case a < b:
				c = -1
			case a > b:
				c = 1
			case a == b:
				c = 0
			default: // NaN: every comparison but != is false
				out[i] = nd.op == boolNEQ
				continue
			}
		}
		switch nd.op {
		case boolGT:
			out[i] = c > 0
		case boolGTE:
			out[i] = c >= 0
		case boolLT:
			out[i] = c < 0
		case boolLTE:
			out[i] = c <= 0
		case boolEQ:
			out[i] = c == 0
		case boolNEQ:
			out[i] = c != 0
		}
	}
	return out, nil
}

// queryResponseType is HSDS's chunkUtil.py getQueryDtype: a uint64 index field (named "index",
// or with underscores prefixed until the name is free) followed by the fields of t.
func queryResponseType(t *h5type.Type) (*h5type.Type, error) {
	b, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	fields, _ := m["fields"].([]any)
	name := "index"
	for {
		if _, taken := t.Field(name); !taken {
			break
		}
		name = "_" + name
	}
	m["fields"] = append([]any{map[string]any{"name": name, "type": map[string]any{"class": "H5T_INTEGER", "base": "H5T_STD_U64LE"}}}, fields...)
	delete(m, "id")
	b, err = json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return h5type.Parse(b)
}

// queryLimit reads Limit from the body or the query (HSDS chunk_sn.py _getLimit): 0 is none.
func queryLimit(r *http.Request, body map[string]json.RawMessage) (int, error) {
	if raw, ok := body["Limit"]; ok && string(raw) != "null" {
		var n int
		if err := json.Unmarshal(raw, &n); err != nil || n < 0 {
			return 0, httpErr(http.StatusBadRequest, "Limit must be a non-negative int")
		}
		return n, nil
	}
	v := r.URL.Query().Get("Limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, httpErr(http.StatusBadRequest, "Limit param must be positive int")
	}
	return n, nil
}

// querySelection is the selection a query runs over: one dimension, a slice.
func querySelection(r *http.Request, body map[string]json.RawMessage, d *hdf.Dataset) (*selection.Selection, error) {
	if len(d.Dims) != 1 {
		return nil, httpErr(http.StatusBadRequest, "Query string is not supported for multidimensional datasets")
	}
	var sel *selection.Selection
	var err error
	if body != nil {
		sel, err = bodySelection(r, body, d.Dims)
	} else if sel, err = selection.Parse(r.URL.Query().Get("select"), d.Dims); err != nil {
		err = badRequest(err)
	}
	if err != nil {
		return nil, err
	}
	if sel.Dim(0).IsList() {
		return nil, httpErr(http.StatusBadRequest, "query with a coordinate list selection is not supported")
	}
	return sel, nil
}

// runQuery reads sel of d and returns the dataset indices of the rows matching tq (at most
// limit when limit > 0, in index order) and those rows.
func (s *Server) runQuery(r *http.Request, d *hdf.Dataset, sel *selection.Selection, tq *tableQuery, limit int) ([]uint64, []byte, error) {
	if exceeds(sel.Count(), int64(d.ItemSize), s.limitFor(r)) {
		return nil, nil, httpErr(http.StatusRequestEntityTooLarge, "query over %d bytes is more than the %d byte limit", byteSize(sel.Count(), int64(d.ItemSize)), s.limitFor(r))
	}
	if err := reserve(r.Context(), 2*byteSize(sel.Count(), int64(d.ItemSize))); err != nil {
		return nil, nil, err
	}
	data, _, err := d.Read(r.Context(), sel, s.cfg.ReadConcurrency)
	if err != nil {
		return nil, nil, err
	}
	n := int(sel.Count())
	m, err := tq.match(data, d.Type, n)
	if err != nil {
		return nil, nil, httpErr(http.StatusBadRequest, "%v", err)
	}
	var idx []uint64
	var rows []byte
	dim := sel.Dim(0)
	for i, ok := range m {
		if !ok {
			continue
		}
		if limit > 0 && len(idx) == limit {
			break
		}
		idx = append(idx, uint64(dim.Index(i)))
		rows = append(rows, data[i*d.ItemSize:(i+1)*d.ItemSize]...)
	}
	return idx, rows, nil
}

// writeQueryRows answers a query: the rows (fields of sub, or all) with their index, as binary
// (when asked for; empty when no row matches) or JSON (HSDS chunk_sn.py arrayResponse).
func (s *Server) writeQueryRows(w http.ResponseWriter, r *http.Request, rq *request, d *hdf.Dataset, sub *h5type.Type, idx []uint64, rows []byte, status bool) error {
	t := d.Type
	if sub != nil {
		var err error
		if rows, err = h5type.ExtractFields(nil, rows, d.Type, sub, len(idx)); err != nil {
			return err
		}
		t = sub
	}
	rt, err := queryResponseType(t)
	if err != nil {
		return err
	}
	out := make([]byte, 0, len(idx)*rt.Size())
	for i, ix := range idx {
		out = binary.LittleEndian.AppendUint64(out, ix)
		out = append(out, rows[i*t.Size():(i+1)*t.Size()]...)
	}
	if wantsBinary(r) {
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return nil
	}
	b, err := jsonValueBuffer(r.Context(), rt, len(idx))
	if err != nil {
		return err
	}
	if status {
		b = append(b, `{"status": 200, "value": `...)
	} else {
		b = append(b, `{"value": `...)
	}
	if b, err = rt.AppendJSON(b, out, []int{len(idx)}, truthyParam(r, "ignore_nan"), h5type.DecodeOptions{}); err != nil {
		return err
	}
	b = append(b, `, "hrefs": `...)
	if b, err = appendJSON(b, s.valueHrefs(r, rq, d)); err != nil {
		return err
	}
	b = append(b, '}')
	writeRawJSON(w, http.StatusOK, b)
	return nil
}

// getQuery answers GET value with query=.
func (s *Server) getQuery(w http.ResponseWriter, r *http.Request, rq *request, d *hdf.Dataset, qs string) error {
	tq, err := parseTableQuery(qs, d.Type)
	if err != nil {
		return httpErr(http.StatusBadRequest, "%v", err)
	}
	limit, err := queryLimit(r, nil)
	if err != nil {
		return err
	}
	sel, err := querySelection(r, nil, d)
	if err != nil {
		return err
	}
	sub, err := fieldsType(r, d)
	if err != nil {
		return err
	}
	idx, rows, err := s.runQuery(r, d, sel, tq, limit)
	if err != nil {
		return err
	}
	return s.writeQueryRows(w, r, rq, d, sub, idx, rows, true)
}

// putQuery is a PUT value with a query (HSDS chunkUtil.py chunkQuery with query_update): the
// body's members named like fields give the new values of those fields in every matching row
// (at most Limit); the answer is the updated rows with their index. Each chunk is evaluated
// and updated in one conditional read-modify-write, so the condition is checked against the
// data being replaced.
func (s *Server) putQuery(w http.ResponseWriter, r *http.Request, rq *request, d *hdf.Dataset, body map[string]json.RawMessage, pyValue []byte, qs string) error {
	if body == nil {
		return httpErr(http.StatusBadRequest, "a query update needs a JSON body")
	}
	if _, ok := body["append"]; ok || r.URL.Query().Get("append") != "" {
		return httpErr(http.StatusBadRequest, "Query string can not be used with append parameter")
	}
	tq, err := parseTableQuery(qs, d.Type)
	if err != nil {
		return httpErr(http.StatusBadRequest, "%v", err)
	}
	if tq.whereField != "" {
		return httpErr(http.StatusBadRequest, "query update is not supported with where in")
	}
	if pyValue != nil { // a field named "value"
		std, err := jsonValueToStd(pyValue)
		if err != nil {
			return httpErr(http.StatusBadRequest, "invalid JSON body: %v", err)
		}
		body["value"] = std
	}
	// The replacement: each named field encoded once.
	var spans []hdf.ByteSpan
	repl := make([]byte, d.ItemSize)
	for _, f := range d.Type.Fields() {
		raw, ok := body[f.Name]
		if !ok {
			continue
		}
		v, err := pyjson.DecodeValue(raw)
		if err != nil {
			return httpErr(http.StatusBadRequest, "query update field %s: %v", f.Name, err)
		}
		enc, err := f.Type.EncodeValue(v, nil)
		if err != nil || len(enc) != f.Type.Size() {
			return httpErr(http.StatusBadRequest, "query update field %s: %v", f.Name, err)
		}
		copy(repl[f.Offset:], enc)
		spans = append(spans, hdf.ByteSpan{Off: f.Offset, Len: f.Type.Size()})
	}
	if spans == nil {
		return httpErr(http.StatusBadRequest, "no fields found in query update")
	}
	limit, err := queryLimit(r, body)
	if err != nil {
		return err
	}
	sel, err := querySelection(r, body, d)
	if err != nil {
		return err
	}
	if len(d.Dims) != 1 {
		return httpErr(http.StatusBadRequest, "Query string is not supported for multidimensional datasets")
	}
	dim := sel.Dim(0)
	cd := d.ChunkDims[0]
	var idx []uint64
	var rows []byte
	touched := func() [][]int {
		var out [][]int
		for c := dim.Start / cd; c*cd < dim.Stop; c++ {
			out = append(out, []int{c})
		}
		return out
	}
	err = d.WriteGuarded(r.Context(), touched, func(ctx context.Context) error {
		idx, rows = nil, nil
		for c := dim.Start / cd; c*cd < dim.Stop && (limit == 0 || len(idx) < limit); c++ {
			err := d.UpdateChunk(ctx, []int{c}, func(chunk []byte) error {
				// The selected rows of this chunk, in order.
				var pos []int
				first := dim.Start
				if lo := c * cd; lo > first {
					first += (lo - first + dim.Step - 1) / dim.Step * dim.Step
				}
				for g := first; g < dim.Stop && g < (c+1)*cd && g < d.Dims[0]; g += dim.Step {
					pos = append(pos, g)
				}
				part := make([]byte, 0, len(pos)*d.ItemSize)
				for _, g := range pos {
					o := (g - c*cd) * d.ItemSize
					part = append(part, chunk[o:o+d.ItemSize]...)
				}
				m, err := tq.match(part, d.Type, len(pos))
				if err != nil {
					return httpErr(http.StatusBadRequest, "%v", err)
				}
				for i, ok := range m {
					if !ok || (limit > 0 && len(idx) == limit) {
						continue
					}
					o := (pos[i] - c*cd) * d.ItemSize
					for _, sp := range spans {
						copy(chunk[o+sp.Off:o+sp.Off+sp.Len], repl[sp.Off:sp.Off+sp.Len])
					}
					idx = append(idx, uint64(pos[i]))
					rows = append(rows, chunk[o:o+d.ItemSize]...)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.writeQueryRows(w, r, rq, d, nil, idx, rows, false)
}
