package rest

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/schema"
)

// domainQuery is a parsed query= expression of GET /domains: conditions on the scalar integer,
// float and string attributes of each domain's root group, joined by AND (&) and OR (|), with
// parentheses. The grammar (parsed by parseBoolExpr, boolparser.go) and this evaluation on Python
// values are HSDS's BooleanParser (hsds/util/boolparser.py); names are root attribute names.
//
// Anything from the word "where" on is ignored, as HSDS's get_domains (hsds/domain_sn.py) does.
type domainQuery struct {
	expr *boolExpr // nil for a query that is only a where clause
}

// parseDomainQuery parses expr with the shared grammar (boolparser.go); a syntax error names the
// problem.
func parseDomainQuery(expr string) (*domainQuery, error) {
	if strings.HasPrefix(expr, "where") {
		return &domainQuery{}, nil
	}
	if n := strings.Index(expr, "where"); n > 0 {
		expr = expr[:n]
	}
	e, err := parseBoolExpr(expr)
	if err != nil {
		return nil, err
	}
	return &domainQuery{expr: e}, nil
}

// vars returns the attribute names the query reads.
func (q *domainQuery) vars() []string {
	if q.expr == nil {
		return nil
	}
	return q.expr.names
}

// qval is a Python value of the evaluation: nil (None), float64, string, []byte (bytes) or bool.
type qval any

// eval evaluates the query for the variables (root attribute values); a comparison Python
// refuses (str < float: TypeError) makes the whole query false, as HSDS's get_domains catches
// the TypeError and drops the domain.
func (q *domainQuery) eval(vars map[string]qval) bool {
	if q.expr == nil {
		return false
	}
	v, ok := evalDomainNode(q.expr.root, vars)
	return ok && pyTruth(v)
}

// evalDomainNode evaluates n on Python values; false when Python raises TypeError.
func evalDomainNode(n *boolNode, vars map[string]qval) (qval, bool) {
	switch n.op {
	case boolNum:
		return n.num, true
	case boolStr:
		return n.text, true
	case boolBytes:
		return []byte(n.text), true
	case boolName:
		return vars[n.text], true
	}
	l, ok := evalDomainNode(n.left, vars)
	if !ok {
		return nil, false
	}
	r, ok := evalDomainNode(n.right, vars)
	if !ok {
		return nil, false
	}
	switch n.op {
	case boolAnd:
		if !pyTruth(l) {
			return l, true
		}
		return r, true
	case boolOr:
		if pyTruth(l) {
			return l, true
		}
		return r, true
	case boolEQ:
		return pyEqual(l, r), true
	case boolNEQ:
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
	switch n.op {
	case boolGT:
		return c > 0, true
	case boolGTE:
		return c >= 0, true
	case boolLT:
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
	for _, name := range q.vars() {
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
