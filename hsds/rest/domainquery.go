package rest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
)

// domainQuery is a parsed query= expression of GET /domains: conditions on the scalar integer,
// float and string attributes of each domain's root group, joined by AND (&) and OR (|), with
// parentheses. The grammar and its evaluation are HSDS's BooleanParser
// (hsds/util/boolparser.py):
//
//	Expression --> AndTerm { OR AndTerm }
//	AndTerm    --> Condition { AND Condition }
//	Condition  --> Terminal (> < >= <= == !=) Terminal | ( Expression )
//	Terminal   --> number | 'string' | "string" | b'bytes' | attribute name
//
// Anything from the word "where" on is ignored, as HSDS does.
type domainQuery struct {
	root *dqNode
	vars []string
}

type dqTok int

const (
	dqNum dqTok = iota
	dqStr
	dqByte
	dqVar
	dqGT
	dqGTE
	dqLT
	dqLTE
	dqEQ
	dqNEQ
	dqLP
	dqRP
	dqAnd
	dqOr
)

type dqNode struct {
	tok         dqTok
	num         float64
	text        string
	left, right *dqNode
}

var dqTokens = regexp.MustCompile(`(\bAND\b|\bOR\b|!=|==|<=|>=|<|>|\(|\)|&|\|)`)

// parseDomainQuery parses expr; a syntax error names the problem.
func parseDomainQuery(expr string) (*domainQuery, error) {
	if strings.HasPrefix(expr, "where") {
		return &domainQuery{}, nil
	}
	if n := strings.Index(expr, "where"); n > 0 {
		expr = expr[:n]
	}
	// Split keeping the separators, as Python's re.split with a capturing group does.
	var raw []string
	last := 0
	for _, m := range dqTokens.FindAllStringIndex(expr, -1) {
		raw = append(raw, expr[last:m[0]], expr[m[0]:m[1]])
		last = m[1]
	}
	raw = append(raw, expr[last:])
	p := &dqParser{}
	vars := map[string]bool{}
	for _, t := range raw {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		var k dqTok
		switch t {
		case "AND", "&":
			k = dqAnd
		case "OR", "|":
			k = dqOr
		case "(":
			k = dqLP
		case ")":
			k = dqRP
		case "<":
			k = dqLT
		case "<=":
			k = dqLTE
		case ">":
			k = dqGT
		case ">=":
			k = dqGTE
		case "==":
			k = dqEQ
		case "!=":
			k = dqNEQ
		default:
			switch {
			case len(t) >= 2 && (t[0] == '\'' && t[len(t)-1] == '\'' || t[0] == '"' && t[len(t)-1] == '"'):
				k, t = dqStr, t[1:len(t)-1]
			case len(t) > 3 && t[0] == 'b' && t[1] == '\'' && t[len(t)-1] == '\'':
				k, t = dqByte, t[2:len(t)-1]
			default:
				if _, err := strconv.ParseFloat(t, 64); err == nil {
					k = dqNum
				} else {
					k = dqVar
					vars[t] = true
				}
			}
		}
		p.toks = append(p.toks, k)
		p.text = append(p.text, t)
	}
	// Tokens after a complete expression are ignored, as HSDS's parser does.
	root, err := p.expression()
	if err != nil {
		return nil, err
	}
	q := &domainQuery{root: root}
	for v := range vars {
		q.vars = append(q.vars, v)
	}
	sort.Strings(q.vars)
	return q, nil
}

type dqParser struct {
	toks []dqTok
	text []string
	i    int
}

func (p *dqParser) more() bool { return p.i < len(p.toks) }

func (p *dqParser) expression() (*dqNode, error) {
	l, err := p.andTerm()
	if err != nil {
		return nil, err
	}
	for p.more() && p.toks[p.i] == dqOr {
		p.i++
		r, err := p.andTerm()
		if err != nil {
			return nil, err
		}
		l = &dqNode{tok: dqOr, left: l, right: r}
	}
	return l, nil
}

func (p *dqParser) andTerm() (*dqNode, error) {
	l, err := p.condition()
	if err != nil {
		return nil, err
	}
	for p.more() && p.toks[p.i] == dqAnd {
		p.i++
		r, err := p.condition()
		if err != nil {
			return nil, err
		}
		l = &dqNode{tok: dqAnd, left: l, right: r}
	}
	return l, nil
}

func (p *dqParser) condition() (*dqNode, error) {
	if p.more() && p.toks[p.i] == dqLP {
		p.i++
		e, err := p.expression()
		if err != nil {
			return nil, err
		}
		if !p.more() || p.toks[p.i] != dqRP {
			return nil, fmt.Errorf("closing ) expected")
		}
		p.i++
		return e, nil
	}
	l, err := p.terminal()
	if err != nil {
		return nil, err
	}
	if !p.more() || p.toks[p.i] < dqGT || p.toks[p.i] > dqNEQ {
		got := "end of expression"
		if p.more() {
			got = p.text[p.i]
		}
		return nil, fmt.Errorf("comparison operator expected after %q, got %s", l.text, got)
	}
	op := p.toks[p.i]
	p.i++
	r, err := p.terminal()
	if err != nil {
		return nil, err
	}
	return &dqNode{tok: op, left: l, right: r}, nil
}

func (p *dqParser) terminal() (*dqNode, error) {
	if !p.more() {
		return nil, fmt.Errorf("number, string or attribute name expected, got end of expression")
	}
	k, t := p.toks[p.i], p.text[p.i]
	p.i++
	switch k {
	case dqNum:
		f, _ := strconv.ParseFloat(t, 64)
		return &dqNode{tok: k, num: f, text: t}, nil
	case dqStr, dqByte, dqVar:
		return &dqNode{tok: k, text: t}, nil
	}
	return nil, fmt.Errorf("number, string or attribute name expected, got %q", t)
}

// qval is a Python value of the evaluation: nil (None), float64, string, []byte (bytes) or bool.
type qval any

// eval evaluates the query for the variables (root attribute values); a comparison Python
// refuses (str < float: TypeError) makes the whole query false, as HSDS's get_domains catches
// the TypeError and drops the domain.
func (q *domainQuery) eval(vars map[string]qval) bool {
	if q.root == nil {
		return false
	}
	v, ok := q.root.eval(vars)
	return ok && pyTruth(v)
}

func (n *dqNode) eval(vars map[string]qval) (qval, bool) {
	switch n.tok {
	case dqNum:
		return n.num, true
	case dqStr:
		return n.text, true
	case dqByte:
		return []byte(n.text), true
	case dqVar:
		return vars[n.text], true
	}
	l, ok := n.left.eval(vars)
	if !ok {
		return nil, false
	}
	r, ok := n.right.eval(vars)
	if !ok {
		return nil, false
	}
	switch n.tok {
	case dqAnd:
		if !pyTruth(l) {
			return l, true
		}
		return r, true
	case dqOr:
		if pyTruth(l) {
			return l, true
		}
		return r, true
	case dqEQ:
		return pyEqual(l, r), true
	case dqNEQ:
		return !pyEqual(l, r), true
	}
	if a, ok := pyNumber(l); ok && math.IsNaN(a) {
		return false, true // Python: every ordering of NaN is False
	}
	if b, ok := pyNumber(r); ok && math.IsNaN(b) {
		return false, true
	}
	c, ok := pyCompare(l, r)
	if !ok {
		return nil, false
	}
	switch n.tok {
	case dqGT:
		return c > 0, true
	case dqGTE:
		return c >= 0, true
	case dqLT:
		return c < 0, true
	default:
		return c <= 0, true
	}
}

func pyTruth(v qval) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	}
	return true
}

func pyNumber(v qval) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func pyEqual(l, r qval) bool {
	if a, ok := pyNumber(l); ok {
		b, ok := pyNumber(r)
		return ok && a == b
	}
	switch a := l.(type) {
	case nil:
		return r == nil
	case string:
		b, ok := r.(string)
		return ok && a == b
	case []byte:
		b, ok := r.([]byte)
		return ok && string(a) == string(b)
	}
	return false
}

// pyCompare orders two values as Python does; false when Python raises TypeError.
func pyCompare(l, r qval) (int, bool) {
	if a, ok := pyNumber(l); ok {
		b, ok := pyNumber(r)
		if !ok {
			return 0, false
		}
		switch {
		case a < b:
			return -1, true
		case a > b:
			return 1, true
		}
		return 0, true
	}
	switch a := l.(type) {
	case string:
		if b, ok := r.(string); ok {
			return strings.Compare(a, b), true
		}
	case []byte:
		if b, ok := r.([]byte); ok {
			return strings.Compare(string(a), string(b)), true
		}
	}
	return 0, false
}

// queryVars returns the values of the query's variables among a root group's attributes, and
// false when one is missing or not a scalar integer, float or string (HSDS get_domains drops
// such a domain).
func queryVars(q *domainQuery, attrs map[string]schema.Attribute) (map[string]qval, bool) {
	out := map[string]qval{}
	for _, name := range q.vars {
		a, ok := attrs[name]
		if !ok || a.Shape.Class != "H5S_SCALAR" {
			return nil, false
		}
		t, err := h5type.Parse(a.Type)
		if err != nil {
			return nil, false
		}
		var v any
		if err := json.Unmarshal(a.Value, &v); err != nil {
			return nil, false
		}
		switch t.Class() {
		case h5type.ClassInteger, h5type.ClassFloat:
			f, ok := v.(float64)
			if !ok {
				return nil, false
			}
			out[name] = f
		case h5type.ClassString:
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			out[name] = s
		default:
			return nil, false
		}
	}
	return out, true
}
