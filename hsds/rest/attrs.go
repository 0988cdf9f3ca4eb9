package rest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hsfan/hsfan/hsds/h5type"
	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// forEach runs fn(0..n-1) with at most limit at a time, stopping at the first error.
func forEach(ctx context.Context, n, limit int, fn func(i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	for i := 0; i < n; i++ {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// attrOwner opens the request's domain and the object whose attributes the route names.
func (s *Server) attrOwner(r *http.Request, act aclAction) (*request, string, map[string]schema.Attribute, error) {
	rq, err := s.open(r, act)
	if err != nil {
		return nil, "", nil, err
	}
	col := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]
	kind := map[string]byte{"groups": schema.KindGroup, "datasets": schema.KindDataset, "datatypes": schema.KindDatatype}[col]
	id, err := s.objectID(r, rq, kind)
	if err != nil {
		return nil, "", nil, err
	}
	attrs, err := rq.f.ObjectAttributes(r.Context(), id)
	if err != nil {
		return nil, "", nil, s.objectGone(id, err)
	}
	return rq, id, attrs, nil
}

func (s *Server) attrMissing(id, name string) error {
	if s.isDeleted("attr:" + id + "/" + name) {
		return httpErr(http.StatusGone, "attribute %s has been deleted", name)
	}
	return httpErr(http.StatusNotFound, "attribute %s not found", name)
}

// checkEncoding refuses an encoding parameter other than base64 (attr_sn.py: "only base64
// encoding is supported").
func checkEncoding(r *http.Request) error {
	if e := r.URL.Query().Get("encoding"); e != "" && e != "base64" {
		return httpErr(http.StatusBadRequest, "invalid encoding %q: only base64 is supported", e)
	}
	return nil
}

// attrValueAs is an attribute's value as answers carry it, and its encoding: as stored, or with
// ?encoding=base64 the base64 text of its element bytes, except for variable-length types
// and H5S_NULL, which stay JSON (attr_dn.py _getAttribute).
func (s *Server) attrValueAs(r *http.Request, a schema.Attribute) (any, string) {
	if a.Encoding != "" || r.URL.Query().Get("encoding") != "base64" || a.Shape.Class == schema.ShapeNull || string(a.Value) == "null" {
		return a.Value, a.Encoding
	}
	t, err := h5type.Parse(a.Type)
	if err != nil || t.IsVariable() || s.checkAttrSize(t, a.Shape) != nil {
		return a.Value, ""
	}
	b, err := attrBytes(a, t)
	if err != nil {
		return a.Value, ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

// attrJSON is one attribute as GET returns it.
func (s *Server) attrJSON(r *http.Request, dom, id, name string, a schema.Attribute, withData, single bool) *jobj {
	o := obj("name", name, "type", a.Type, "shape", rawJSON(a.Shape))
	if withData {
		v, enc := s.attrValueAs(r, a)
		o.set("value", v)
		if enc != "" {
			o.set("encoding", enc)
		}
	}
	o.set("created", a.Created)
	p := "/" + collectionOf(id) + "/" + id + "/attributes/" + name
	if single {
		o.set("lastModified", a.Created)
		o.set("hrefs", s.attrHrefs(r, dom, id, p))
	} else {
		o.set("href", s.url(r, p, dom))
	}
	return o
}

func (s *Server) getAttributes(w http.ResponseWriter, r *http.Request) error {
	if err := checkEncoding(r); err != nil {
		return err
	}
	rq, id, attrs, err := s.attrOwner(r, actRead)
	if err != nil {
		return err
	}
	names := sortedNames(attrs)
	if boolParam(r, "CreateOrder") {
		sort.SliceStable(names, func(i, j int) bool { return attrs[names[i]].Created < attrs[names[j]].Created })
	}
	if pat := r.URL.Query().Get("pattern"); pat != "" {
		var keep []string
		for _, n := range names {
			if ok, err := path.Match(pat, n); err != nil {
				return httpErr(http.StatusBadRequest, "invalid pattern %q: %v", pat, err)
			} else if ok {
				keep = append(keep, n)
			}
		}
		names = keep
	}
	if names, err = page(r, names); err != nil {
		return err
	}
	withData := boolParam(r, "IncludeData")
	out := make([]*jobj, 0, len(names))
	for _, n := range names {
		out = append(out, s.attrJSON(r, rq.dom, id, n, attrs[n], withData, false))
	}
	p := "/" + collectionOf(id) + "/" + id
	return writeJSONNaN(w, http.StatusOK, obj("attributes", out, "hrefs", s.attrHrefs(r, rq.dom, id, p+"/attributes")), hsdsBoolParam(r, "ignore_nan"))
}

// attrHrefs are the hrefs of the attribute GETs: self, home (the domain) and owner (the object)
// (attr_sn.py GET_Attributes, GET_Attribute, GET_AttributeValue).
func (s *Server) attrHrefs(r *http.Request, dom, id, self string) []*jobj {
	return []*jobj{s.href(r, "self", self, dom), s.href(r, "home", "/", dom),
		s.href(r, "owner", "/"+collectionOf(id)+"/"+id, dom)}
}

// namedAttr finds the attribute of the request path ({name} on its owner) and parses its type.
func (s *Server) namedAttr(r *http.Request, act aclAction) (*request, string, string, schema.Attribute, *h5type.Type, error) {
	rq, id, attrs, err := s.attrOwner(r, act)
	if err != nil {
		return nil, "", "", schema.Attribute{}, nil, err
	}
	name := r.PathValue("name")
	a, ok := attrs[name]
	if !ok {
		return nil, "", "", schema.Attribute{}, nil, s.attrMissing(id, name)
	}
	t, err := h5type.Parse(a.Type)
	if err != nil {
		return nil, "", "", schema.Attribute{}, nil, err
	}
	return rq, id, name, a, t, nil
}

func (s *Server) getAttribute(w http.ResponseWriter, r *http.Request) error {
	if err := checkEncoding(r); err != nil {
		return err
	}
	rq, id, name, a, _, err := s.namedAttr(r, actRead)
	if err != nil {
		return err
	}
	withData := true
	if v := r.URL.Query().Get("IncludeData"); v != "" {
		withData = boolParam(r, "IncludeData")
	}
	return writeJSONNaN(w, http.StatusOK, s.attrJSON(r, rq.dom, id, name, a, withData, true), hsdsBoolParam(r, "ignore_nan"))
}

func (s *Server) getAttributeValue(w http.ResponseWriter, r *http.Request) error {
	if err := checkEncoding(r); err != nil {
		return err
	}
	rq, id, name, a, t, err := s.namedAttr(r, actRead)
	if err != nil {
		return err
	}
	if a.Shape.Class == schema.ShapeNull {
		// attr_sn.py GET_AttributeValue: "Null space attributes can not be read".
		return httpErr(http.StatusBadRequest, "attribute %s has an H5S_NULL space: it has no value to read", name)
	}
	if wantsBinary(r) && !t.IsVariable() {
		if err := s.checkAttrSize(t, a.Shape); err != nil {
			return err
		}
		b, err := attrBytes(a, t)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", octet)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return nil
	}
	v, enc := s.attrValueAs(r, a)
	o := obj("value", v)
	if enc != "" {
		o.set("encoding", enc)
	}
	o.set("hrefs", s.attrHrefs(r, rq.dom, id, "/"+collectionOf(id)+"/"+id+"/attributes/"+name))
	return writeJSONNaN(w, http.StatusOK, o, hsdsBoolParam(r, "ignore_nan"))
}

// putOneAttr stores one attribute and reports whether it was created (201) or identical (200).
func (s *Server) putOneAttr(r *http.Request, rq *request, id, name string, body map[string]json.RawMessage) (bool, error) {
	if err := hdf.ValidateAttributeName(name); err != nil {
		return false, badRequest(err)
	}
	a, err := s.attrFromBody(r.Context(), rq.f, body)
	if err != nil {
		return false, err
	}
	created, err := rq.f.PutAttribute(r.Context(), id, name, a, boolParam(r, "replace"))
	if errors.Is(err, hdf.ErrExists) {
		return false, httpErr(http.StatusConflict, "attribute %s already exists", name)
	}
	if err != nil {
		return false, s.objectGone(id, err)
	}
	s.untomb("attr:" + id + "/" + name)
	return created, nil
}

func created2code(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (s *Server) putAttribute(w http.ResponseWriter, r *http.Request) error {
	rq, id, _, err := s.attrOwner(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	created, err := s.putOneAttr(r, rq, id, r.PathValue("name"), body)
	if err != nil {
		return err
	}
	return writeJSON(w, created2code(created), obj())
}

func (s *Server) putAttributes(w http.ResponseWriter, r *http.Request) error {
	rq, id, _, err := s.attrOwner(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	// attr_sn.py PUT_Attributes: "attributes" for the route's object, or for each id of an
	// obj_ids list; or obj_ids as an object of id -> {"attributes": {...}}.
	var attrs map[string]map[string]json.RawMessage
	hasAttrs, err := field(body, "attributes", &attrs)
	if err != nil {
		return err
	}
	type item struct {
		id    string
		attrs map[string]map[string]json.RawMessage
	}
	var items []item
	if raw, ok := body["obj_ids"]; ok && string(raw) != "null" {
		var list []string
		var byID map[string]struct {
			Attributes map[string]map[string]json.RawMessage `json:"attributes"`
		}
		switch {
		case json.Unmarshal(raw, &list) == nil:
			if !hasAttrs {
				return httpErr(http.StatusBadRequest, "PUT attributes with an obj_ids list needs attributes in the body")
			}
			for _, oid := range list {
				items = append(items, item{oid, attrs})
			}
		case json.Unmarshal(raw, &byID) == nil:
			if hasAttrs {
				return httpErr(http.StatusBadRequest, "attributes cannot be given with obj_ids as an object (each id names its own)")
			}
			for _, oid := range sortedNames(byID) {
				items = append(items, item{oid, byID[oid].Attributes})
			}
		default:
			return httpErr(http.StatusBadRequest, "obj_ids must be a list of object ids or an object of id -> {\"attributes\": {...}}")
		}
	} else {
		if !hasAttrs {
			return httpErr(http.StatusBadRequest, "PUT attributes needs attributes in the body")
		}
		items = []item{{id, attrs}}
	}
	any201 := false
	for _, it := range items {
		if err := schema.ValidateID(it.id); err != nil || schema.Kind(it.id) == schema.KindChunk {
			return httpErr(http.StatusBadRequest, "invalid object id %q", it.id)
		}
		if err := rq.f.CheckMember(r.Context(), it.id); err != nil {
			return err
		}
		if len(it.attrs) == 0 {
			return httpErr(http.StatusBadRequest, "no attributes given for %s", it.id)
		}
		for _, n := range sortedNames(it.attrs) {
			c, err := s.putOneAttr(r, rq, it.id, n, it.attrs[n])
			if err != nil {
				return err
			}
			any201 = any201 || c
		}
	}
	return writeJSON(w, created2code(any201), obj())
}

func (s *Server) postAttributes(w http.ResponseWriter, r *http.Request) error {
	if err := checkEncoding(r); err != nil {
		return err
	}
	rq, id, attrs, err := s.attrOwner(r, actRead)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	var names []string
	if ok, err := field(body, "attr_names", &names); err != nil {
		return err
	} else if !ok {
		return httpErr(http.StatusBadRequest, "POST attributes needs attr_names in the body")
	}
	// POST attributes includes values only when asked (attr_sn.py POST_Attributes:
	// getBooleanParam(params, "IncludeData"), default False).
	withData := hsdsBoolParam(r, "IncludeData")
	out := make([]*jobj, 0, len(names))
	for _, n := range names {
		a, ok := attrs[n]
		if !ok {
			return s.attrMissing(id, n)
		}
		o := s.attrJSON(r, rq.dom, id, n, a, withData, false)
		o.del("href") // attr_sn.py POST_Attributes passes the data node's items through
		out = append(out, o)
	}
	return writeJSONNaN(w, http.StatusOK, obj("attributes", out), truthyParam(r, "ignore_nan"))
}

func (s *Server) putAttributeValue(w http.ResponseWriter, r *http.Request) error {
	rq, id, name, a, t, err := s.namedAttr(r, actUpdate)
	if err != nil {
		return err
	}
	if err := s.checkAttrSize(t, a.Shape); err != nil {
		return err
	}
	var raw json.RawMessage
	var enc string
	if isBinaryBody(r) {
		if t.IsVariable() {
			return httpErr(http.StatusBadRequest, "binary values of variable-length attributes are not supported")
		}
		b, err := readBody(r, s.cfg.MaxRequestBytes)
		if err != nil {
			return err
		}
		raw, _ = json.Marshal(base64.StdEncoding.EncodeToString(b))
		enc = "base64"
	} else {
		body, err := decodeBody(r)
		if err != nil {
			return err
		}
		raw = body["value"]
		if _, err := field(body, "encoding", &enc); err != nil {
			return err
		}
	}
	if a.Value, a.Encoding, err = attrValue(t, a.Shape, raw, enc); err != nil {
		return err
	}
	if _, err := rq.f.PutAttribute(r.Context(), id, name, a, true); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj())
}

func (s *Server) deleteAttributes(w http.ResponseWriter, r *http.Request) error {
	sep := r.URL.Query().Get("separator")
	if sep == "" {
		sep = "/"
	}
	names := r.URL.Query().Get("attr_names")
	if names == "" {
		return httpErr(http.StatusBadRequest, "DELETE attributes needs the attr_names parameter")
	}
	return s.removeAttrs(w, r, strings.Split(names, sep))
}

func (s *Server) deleteAttribute(w http.ResponseWriter, r *http.Request) error {
	return s.removeAttrs(w, r, []string{r.PathValue("name")})
}

func (s *Server) removeAttrs(w http.ResponseWriter, r *http.Request, names []string) error {
	rq, id, attrs, err := s.attrOwner(r, actDelete)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, ok := attrs[n]; !ok {
			return s.attrMissing(id, n)
		}
	}
	if err := rq.f.DeleteAttributes(r.Context(), id, names...); err != nil {
		return err
	}
	for _, n := range names {
		s.tombstone("attr:" + id + "/" + n)
	}
	return writeJSON(w, http.StatusOK, obj())
}
