package rest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The one port of HSDS's query grammar (hsds/util/boolparser.py BooleanParser), shared by the
// domain query of GET /domains (domainquery.go) and the table query= of datasets (query.go):
//
//	Expression --> AndTerm { (OR | '|') AndTerm }
//	AndTerm    --> Condition { (AND | '&') Condition }
//	Condition  --> Terminal (> < >= <= == !=) Terminal | '(' Expression ')'
//	Terminal   --> number | 'string' | "string" | b'bytes' | name
//
// Tokens after a complete expression are ignored, as HSDS's parser does. The "where" clause is
// not part of the grammar: each caller cuts it off as its HSDS handler does.

// boolTok is the kind of a token and of a node of the parse tree.
type boolTok int

const (
	boolNum boolTok = iota
	boolStr
	boolBytes
	boolName
	boolGT
	boolGTE
	boolLT
	boolLTE
	boolEQ
	boolNEQ
	boolLP
	boolRP
	boolAnd
	boolOr
)

// isComparison reports whether k is one of > >= < <= == !=.
func (k boolTok) isComparison() bool { return k >= boolGT && k <= boolNEQ }

// boolNode is a node of the parse tree: a terminal (boolNum with num and its text, boolStr and
// boolBytes with text the literal without quotes, boolName with text the name) or an operator
// (a comparison, boolAnd, boolOr) over left and right.
type boolNode struct {
	op          boolTok
	num         float64
	text        string
	left, right *boolNode
}

// boolExpr is a parsed expression: its tree and the sorted, distinct names among all its tokens
// (trailing ignored tokens included, as HSDS's tokenizer collects them).
type boolExpr struct {
	root  *boolNode
	names []string
}

var boolTokenRE = regexp.MustCompile(`(\bAND\b|\bOR\b|!=|==|<=|>=|<|>|\(|\)|&|\|)`)

var boolOperators = map[string]boolTok{
	"AND": boolAnd, "&": boolAnd, "OR": boolOr, "|": boolOr, "(": boolLP, ")": boolRP,
	"<": boolLT, "<=": boolLTE, ">": boolGT, ">=": boolGTE, "==": boolEQ, "!=": boolNEQ,
}

// parseBoolExpr tokenizes and parses expr (without its where clause); a syntax error names the
// problem and the token found.
func parseBoolExpr(expr string) (*boolExpr, error) {
	p := &boolParser{}
	names := map[string]bool{}
	// Split keeping the separators, as Python's re.split with a capturing group does.
	var raw []string
	last := 0
	for _, m := range boolTokenRE.FindAllStringIndex(expr, -1) {
		raw = append(raw, expr[last:m[0]], expr[m[0]:m[1]])
		last = m[1]
	}
	raw = append(raw, expr[last:])
	for _, t := range raw {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		k, ok := boolOperators[t]
		if !ok {
			switch {
			case len(t) >= 2 && (t[0] == '\'' && t[len(t)-1] == '\'' || t[0] == '"' && t[len(t)-1] == '"'):
				k, t = boolStr, t[1:len(t)-1]
			case len(t) > 3 && t[0] == 'b' && t[1] == '\'' && t[len(t)-1] == '\'':
				k, t = boolBytes, t[2:len(t)-1]
			default:
				if _, err := strconv.ParseFloat(t, 64); err == nil {
					k = boolNum
				} else {
					k = boolName
					names[t] = true
				}
			}
		}
		p.toks = append(p.toks, k)
		p.text = append(p.text, t)
	}
	root, err := p.expression()
	if err != nil {
		return nil, err
	}
	e := &boolExpr{root: root}
	for n := range names {
		e.names = append(e.names, n)
	}
	sort.Strings(e.names)
	return e, nil
}

type boolParser struct {
	toks []boolTok
	text []string
	i    int
}

func (p *boolParser) more() bool { return p.i < len(p.toks) }

// found names the next token for an error message.
func (p *boolParser) found() string {
	if !p.more() {
		return "end of expression"
	}
	return strconv.Quote(p.text[p.i])
}

func (p *boolParser) expression() (*boolNode, error) {
	l, err := p.andTerm()
	if err != nil {
		return nil, err
	}
	for p.more() && p.toks[p.i] == boolOr {
		p.i++
		r, err := p.andTerm()
		if err != nil {
			return nil, err
		}
		l = &boolNode{op: boolOr, left: l, right: r}
	}
	return l, nil
}

func (p *boolParser) andTerm() (*boolNode, error) {
	l, err := p.condition()
	if err != nil {
		return nil, err
	}
	for p.more() && p.toks[p.i] == boolAnd {
		p.i++
		r, err := p.condition()
		if err != nil {
			return nil, err
		}
		l = &boolNode{op: boolAnd, left: l, right: r}
	}
	return l, nil
}

func (p *boolParser) condition() (*boolNode, error) {
	if p.more() && p.toks[p.i] == boolLP {
		p.i++
		e, err := p.expression()
		if err != nil {
			return nil, err
		}
		if !p.more() || p.toks[p.i] != boolRP {
			return nil, fmt.Errorf("closing ) expected, got %s", p.found())
		}
		p.i++
		return e, nil
	}
	l, err := p.terminal()
	if err != nil {
		return nil, err
	}
	if !p.more() || !p.toks[p.i].isComparison() {
		return nil, fmt.Errorf("comparison operator expected after %q, got %s", l.text, p.found())
	}
	op := p.toks[p.i]
	p.i++
	r, err := p.terminal()
	if err != nil {
		return nil, err
	}
	return &boolNode{op: op, left: l, right: r}, nil
}

func (p *boolParser) terminal() (*boolNode, error) {
	if p.more() {
		switch k, t := p.toks[p.i], p.text[p.i]; k {
		case boolNum:
			p.i++
			f, _ := strconv.ParseFloat(t, 64)
			return &boolNode{op: k, num: f, text: t}, nil
		case boolStr, boolBytes, boolName:
			p.i++
			return &boolNode{op: k, text: t}, nil
		}
	}
	return nil, fmt.Errorf("number, string or name expected, got %s", p.found())
}
