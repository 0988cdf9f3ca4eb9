package rest

import (
	"bufio"
	"bytes"
	"crypto/subtle"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/hsfan/hsfan/hsds/schema"
)

// LoadPasswordFile reads HSDS's password file: one "user:password" per line; blank lines and
// lines starting with '#' are skipped.
func LoadPasswordFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read password file: %w", err)
	}
	return ParsePasswords(b)
}

// ParsePasswords parses the content of a password file (see LoadPasswordFile).
func ParsePasswords(b []byte) (map[string]string, error) {
	users := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, p, ok := strings.Cut(line, ":")
		if !ok || u == "" {
			return nil, fmt.Errorf("password file line %d: want user:password", n)
		}
		users[u] = p
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("password file: %w", err)
	}
	return users, nil
}

// authenticate returns the request's user: the Basic auth user after its password is checked,
// or "default" for unauthenticated GETs when allowed. ok is false when no credentials came.
func (s *Server) authenticate(r *http.Request) (user string, ok bool, err error) {
	hdr := r.Header.Get("Authorization")
	if hdr == "" {
		return "default", false, nil
	}
	u, p, basic := r.BasicAuth()
	if !basic {
		if strings.HasPrefix(hdr, "Bearer ") {
			return "", false, httpErr(http.StatusUnauthorized, "bearer tokens are not supported")
		}
		return "", false, httpErr(http.StatusUnauthorized, "malformed Authorization header")
	}
	want, known := s.users[u]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(p)) != 1 {
		return "", false, httpErr(http.StatusUnauthorized, "invalid user name or password")
	}
	return u, true, nil
}

// requireUser authenticates the request and enforces HSDS's rule that only GETs may run
// unauthenticated (as "default", when allow_noauth).
func (s *Server) requireUser(r *http.Request) (string, error) {
	user, ok, err := s.authenticate(r)
	if err != nil {
		return "", err
	}
	if !ok {
		if s.cfg.DenyNoauth || (r.Method != http.MethodGet && r.Method != http.MethodHead && !isReadPost(r)) {
			return "", httpErr(http.StatusUnauthorized, "provide user name and password")
		}
	}
	return user, nil
}

// isReadPost reports a POST that only reads (point and hyperslab value reads, bulk link and
// attribute reads, POST / with h5paths), which HSDS lets "default" run.
func isReadPost(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := r.URL.Path
	return p == "/" || strings.HasSuffix(p, "/value") || strings.HasSuffix(p, "/links") || strings.HasSuffix(p, "/attributes")
}

func (s *Server) isAdmin(user string) bool { return s.admins[user] }

// aclAction names one of the six ACL permissions.
type aclAction string

const (
	actCreate    aclAction = "create"
	actRead      aclAction = "read"
	actUpdate    aclAction = "update"
	actDelete    aclAction = "delete"
	actReadACL   aclAction = "readACL"
	actUpdateACL aclAction = "updateACL"
)

func (a aclAction) of(acl schema.ACL) bool {
	switch a {
	case actCreate:
		return acl.Create
	case actRead:
		return acl.Read
	case actUpdate:
		return acl.Update
	case actDelete:
		return acl.Delete
	case actReadACL:
		return acl.ReadACL
	case actUpdateACL:
		return acl.UpdateACL
	}
	return false
}

// aclCheck applies HSDS's order: admins pass; the user's own entry decides when present
// (denials included); then "default"; then the user's "g:<group>" entries.
func (s *Server) aclCheck(dom *schema.Domain, user string, act aclAction) error {
	if s.isAdmin(user) {
		return nil
	}
	if acl, ok := dom.ACLs[user]; ok {
		if act.of(acl) {
			return nil
		}
		return httpErr(http.StatusForbidden, "user %s has no %s permission", user, act)
	}
	if acl, ok := dom.ACLs["default"]; ok && act.of(acl) {
		return nil
	}
	for _, g := range s.cfg.Groups[user] {
		if acl, ok := dom.ACLs["g:"+g]; ok && act.of(acl) {
			return nil
		}
	}
	return httpErr(http.StatusForbidden, "user %s has no %s permission", user, act)
}
