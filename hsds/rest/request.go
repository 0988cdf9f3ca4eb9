package rest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// domainParam returns the raw domain of the request: query "domain", else X-Hdf-domain.
func domainParam(r *http.Request) string {
	q := r.URL.Query()
	if d := q.Get("domain"); d != "" {
		return d
	}
	return r.Header.Get("X-Hdf-domain")
}

// bucketFor returns the request's bucket: query "bucket", else X-Hdf-bucket, else the default.
func (s *Server) bucketFor(r *http.Request) string {
	if b := r.URL.Query().Get("bucket"); b != "" {
		return b
	}
	if b := r.Header.Get("X-Hdf-bucket"); b != "" {
		return b
	}
	return s.cfg.Bucket
}

// bucketChecked is bucketFor with the name validated (listings that have no domain).
func (s *Server) bucketChecked(r *http.Request) (string, error) {
	b := s.bucketFor(r)
	if b == "" {
		return "", httpErr(http.StatusBadRequest, "no bucket given and no default bucket configured")
	}
	if err := schema.ValidateBucketName(b); err != nil {
		return "", badRequest(err)
	}
	return b, nil
}

// domainOf parses the request's domain into bucket and path; missing is a 400.
func (s *Server) domainOf(r *http.Request) (bucket, path string, err error) {
	if r.URL.Query().Has("host") {
		return "", "", httpErr(http.StatusBadRequest, "the host query parameter is no longer supported; use domain")
	}
	raw := domainParam(r)
	if raw == "" {
		return "", "", httpErr(http.StatusBadRequest, "no domain given (domain parameter or X-Hdf-domain header)")
	}
	bucket, path, err = schema.ParseDomain(raw, s.bucketFor(r))
	if err != nil {
		return "", "", badRequest(err)
	}
	if bucket == "" {
		return "", "", httpErr(http.StatusBadRequest, "no bucket given and no default bucket configured")
	}
	return bucket, path, nil
}

// request is the per-request state of an object route: the user and the open domain.
type request struct {
	user string
	f    *hdf.File
	// dom is the domain parameter as sent, for hrefs.
	dom string
}

// open authenticates, opens the request's domain and checks act on it.
func (s *Server) open(r *http.Request, act aclAction) (*request, error) {
	user, err := s.requireUser(r)
	if err != nil {
		return nil, err
	}
	bucket, path, err := s.domainOf(r)
	if err != nil {
		return nil, err
	}
	f, err := s.openFile(r.Context(), bucket, path)
	if err != nil {
		return nil, err
	}
	if err := s.aclCheck(&f.Domain, user, act); err != nil {
		return nil, err
	}
	return &request{user: user, f: f, dom: domainParam(r)}, nil
}

// openFile opens a domain, answering 410 for domains deleted by this server.
func (s *Server) openFile(ctx context.Context, bucket, path string) (*hdf.File, error) {
	f, err := hdf.Open(ctx, s.cfg.Store, bucket, path)
	if errors.Is(err, hdf.ErrNotFound) {
		if s.isDeleted("dom:" + bucket + path) {
			return nil, httpErr(http.StatusGone, "domain %s has been deleted", path)
		}
		return nil, httpErr(http.StatusNotFound, "domain %s not found", path)
	}
	return f, err
}

// objectGone maps a not-found object to 410 when this server deleted it.
func (s *Server) objectGone(id string, err error) error {
	if errors.Is(err, hdf.ErrNotFound) && s.isDeleted("obj:"+id) {
		return httpErr(http.StatusGone, "object %s has been deleted", id)
	}
	return err
}

// checkID validates an id from the path against the expected kind.
func checkID(id string, kind byte) error {
	if err := schema.ValidateID(id); err != nil || schema.Kind(id) != kind {
		what := map[byte]string{schema.KindGroup: "group", schema.KindDataset: "dataset", schema.KindDatatype: "datatype"}[kind]
		return httpErr(http.StatusBadRequest, "Invalid %s id: %q", what, id)
	}
	return nil
}

// hsdsBoolParam is HSDS's getBooleanParam exactly (hsds/util/httpUtil.py): false when the
// parameter is absent, empty or an integer equal to 0; true otherwise, "false" included. HSDS
// reads ignore_nan of GET attribute(s) and GET attribute value this way.
func hsdsBoolParam(r *http.Request, name string) bool {
	v, ok := r.URL.Query()[name]
	if !ok || len(v) == 0 || v[0] == "" {
		return false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[0]))
	return err != nil || n != 0
}

// truthyParam is the truth value of a query parameter as HSDS tests it with
// `name in params and params[name]` or params.get(name): true for any non-empty value, "0"
// and "false" included. HSDS reads ignore_nan of GET/POST value, POST attributes and GET
// dataset this way (hsds/chunk_sn.py, attr_sn.py POST_Attributes, util/httpUtil.py
// respJsonAssemble).
func truthyParam(r *http.Request, name string) bool {
	v, ok := r.URL.Query()[name]
	return ok && len(v) > 0 && v[0] != ""
}

// boolParam reads a boolean query parameter as HSDS getBooleanParam does: absent, "", "0" and
// "false" are false.
func boolParam(r *http.Request, name string) bool {
	v, ok := r.URL.Query()[name]
	if !ok || len(v) == 0 {
		return false
	}
	switch strings.ToLower(v[0]) {
	case "", "0", "false", "f", "no":
		return false
	}
	return true
}

// bodyTruthy is Python's truth value of a JSON body member, as HSDS tests body flags with
// `key in body and body[key]` (domain_sn.py PUT_Domain flush, rescan, getdnids, folder): false
// when absent, null, false, 0, "", [] or {}; true otherwise (1, true, "0" and "false" too).
func bodyTruthy(body map[string]json.RawMessage, key string) bool {
	raw, ok := body[key]
	if !ok {
		return false
	}
	return jsonTruthy(raw)
}

// jsonTruthy is Python's truth value of a JSON value (see bodyTruthy).
func jsonTruthy(raw json.RawMessage) bool {
	t := strings.TrimSpace(string(raw))
	switch {
	case t == "" || t == "null" || t == "false" || t == `""` || t == "true":
		return t == "true"
	case t[0] == '[' || t[0] == '{':
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return true
		}
		switch x := v.(type) {
		case []any:
			return len(x) > 0
		case map[string]any:
			return len(x) > 0
		}
		return true
	case t[0] == '"':
		return true
	}
	f, err := strconv.ParseFloat(t, 64)
	return err != nil || f != 0
}

// intParam reads a non-negative integer query parameter (def when absent).
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, httpErr(http.StatusBadRequest, "invalid %s parameter %q: want a non-negative integer", name, v)
	}
	return n, nil
}

// href builds an href entry: endpoint + path + ?domain=.
func (s *Server) href(r *http.Request, rel, path, dom string) *jobj {
	return obj("rel", rel, "href", s.url(r, path, dom))
}

func (s *Server) url(r *http.Request, path, dom string) string {
	base := s.cfg.Endpoint
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		host := r.Host
		if host == "" {
			host = "127.0.0.1"
		}
		base = scheme + "://" + host
	}
	u := base + path
	if dom != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "domain=" + url.QueryEscape(dom)
	}
	return u
}

// collectionOf returns the REST collection name of an id ("groups", "datasets", "datatypes").
func collectionOf(id string) string {
	switch schema.Kind(id) {
	case schema.KindGroup:
		return "groups"
	case schema.KindDataset:
		return "datasets"
	case schema.KindDatatype:
		return "datatypes"
	}
	return ""
}
