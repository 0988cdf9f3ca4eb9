package store

import "strings"

// grouper rolls object entries, fed in key order, up into common prefixes
// for a delimiter, reporting each distinct prefix once.
type grouper struct {
	prefix, delimiter string
	fn                func(Entry) error
	last              string // last common prefix reported
}

// add reports e, or the common prefix that contains it.
func (g *grouper) add(e Entry) error {
	if p, ok := commonPrefix(g.prefix, g.delimiter, e.Key); ok {
		return g.addPrefix(p)
	}
	return g.fn(e)
}

// addPrefix reports the common prefix p unless it was just reported.
func (g *grouper) addPrefix(p string) error {
	if p == g.last {
		return nil
	}
	g.last = p
	return g.fn(Entry{Key: p, IsPrefix: true})
}

// commonPrefix returns the common prefix that key rolls up into, if any.
func commonPrefix(prefix, delimiter, key string) (string, bool) {
	if delimiter == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delimiter)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delimiter)], true
}
