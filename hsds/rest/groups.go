package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// objectID returns the object id of an object route: the {id} path value, or the object the
// h5path parameter names (GET /groups/?h5path=/a/b), checked against kind.
func (s *Server) objectID(r *http.Request, rq *request, kind byte) (string, error) {
	id := r.PathValue("id")
	if id == "" {
		h5path := r.URL.Query().Get("h5path")
		if h5path == "" {
			return "", httpErr(http.StatusBadRequest, "no object id and no h5path parameter")
		}
		var err error
		if _, id, err = s.resolvePath(r, rq, h5path); err != nil {
			return "", err
		}
		if schema.Kind(id) != kind {
			return "", httpErr(http.StatusBadRequest, "h5path %s does not name a %s", h5path, strings.TrimSuffix(collectionOf(string(kind)+"-"), "s"))
		}
		return id, nil
	}
	if err := checkID(id, kind); err != nil {
		return "", err
	}
	if schema.RootOf(id) != rq.f.RootID() {
		if s.isDeleted("obj:" + id) {
			return "", httpErr(http.StatusGone, "object %s has been deleted", id)
		}
		// 400 for a folder or an object of another domain, 404 for no such object
		// (servicenode_lib.py validateAction, domainUtil.py verifyRoot).
		if err := rq.f.CheckMember(r.Context(), id); err != nil {
			return "", err
		}
	}
	return id, nil
}

// objectJSON returns the GET response body of object id (group, dataset or datatype).
func (s *Server) objectJSON(r *http.Request, f *hdf.File, id, dom string, includeLinks, includeAttrs bool) (*jobj, error) {
	ctx := r.Context()
	switch schema.Kind(id) {
	case schema.KindGroup:
		g, err := f.Group(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		return s.groupJSON(r, f, g, dom, includeLinks, includeAttrs), nil
	case schema.KindDataset:
		d, err := f.DatasetObject(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		return s.datasetJSON(r, f, d, dom, includeAttrs), nil
	case schema.KindDatatype:
		t, err := f.Datatype(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		return s.datatypeJSON(r, f, t, dom, includeAttrs), nil
	}
	return nil, httpErr(http.StatusBadRequest, "invalid object id %q", id)
}

// storedObjectJSON is object id as HSDS's data nodes return it and GET /?getobjs=1 lists it in
// domain_objs (group_dn.py GET_Group, dset_dn.py GET_Dataset, ctype_dn.py GET_Datatype): the
// stored members with counts, links for groups, attributes when asked; no domain, bucket or
// hrefs.
func (s *Server) storedObjectJSON(r *http.Request, f *hdf.File, id string, includeAttrs bool) (*jobj, error) {
	ctx := r.Context()
	switch schema.Kind(id) {
	case schema.KindGroup:
		g, err := f.Group(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		o := obj("id", g.ID, "root", g.Root, "created", g.Created, "lastModified", g.LastModified,
			"linkCount", len(g.Links), "attributeCount", len(g.Attributes))
		links := &jobj{}
		for _, k := range sortedNames(g.Links) {
			b, _ := schema.Marshal(g.Links[k])
			links.set(k, json.RawMessage(b))
		}
		o.set("links", links)
		if includeAttrs {
			o.set("attributes", attrsMap(g.Attributes))
		}
		if len(g.CreationProperties) > 0 {
			o.set("creationProperties", g.CreationProperties)
		}
		return o, nil
	case schema.KindDataset:
		d, err := f.DatasetObject(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		o := obj("id", d.ID, "root", d.Root, "created", d.Created, "lastModified", d.LastModified,
			"type", d.Type, "shape", rawJSON(d.Shape), "attributeCount", len(d.Attributes))
		if len(d.CreationProperties) > 0 {
			o.set("creationProperties", d.CreationProperties)
		}
		if d.Layout.Class != "" {
			o.set("layout", rawJSON(d.Layout))
		}
		if includeAttrs {
			o.set("attributes", attrsMap(d.Attributes))
		}
		return o, nil
	case schema.KindDatatype:
		t, err := f.Datatype(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		o := obj("id", t.ID, "root", t.Root, "created", t.Created, "lastModified", t.LastModified,
			"type", t.Type, "attributeCount", len(t.Attributes))
		if includeAttrs {
			o.set("attributes", attrsMap(t.Attributes))
		}
		return o, nil
	}
	return nil, httpErr(http.StatusBadRequest, "invalid object id %q", id)
}

func attrsMap(m map[string]schema.Attribute) *jobj {
	o := &jobj{}
	for _, k := range sortedNames(m) {
		b, _ := schema.Marshal(m[k])
		o.set(k, json.RawMessage(b))
	}
	return o
}

func (s *Server) groupJSON(r *http.Request, f *hdf.File, g *schema.Group, dom string, includeLinks, includeAttrs bool) *jobj {
	o := obj("id", g.ID, "root", g.Root, "created", g.Created, "lastModified", g.LastModified,
		"linkCount", len(g.Links), "attributeCount", len(g.Attributes))
	if len(g.CreationProperties) > 0 {
		o.set("creationProperties", g.CreationProperties)
	}
	if includeLinks {
		links := &jobj{}
		for _, k := range sortedNames(g.Links) {
			b, _ := schema.Marshal(g.Links[k])
			links.set(k, json.RawMessage(b))
		}
		o.set("links", links)
	}
	if includeAttrs {
		o.set("attributes", attrsMap(g.Attributes))
	}
	o.set("domain", f.Path()).set("bucket", f.Bucket())
	p := "/groups/" + g.ID
	o.set("hrefs", []*jobj{s.href(r, "self", p, dom), s.href(r, "links", p+"/links", dom),
		s.href(r, "root", "/groups/"+g.Root, dom), s.href(r, "home", "/", dom),
		s.href(r, "attributes", p+"/attributes", dom)})
	return o
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actRead)
	if err != nil {
		return err
	}
	id, err := s.objectID(r, rq, schema.KindGroup)
	if err != nil {
		return err
	}
	o, err := s.objectJSON(r, rq.f, id, rq.dom, boolParam(r, "include_links"), boolParam(r, "include_attrs"))
	if err != nil {
		return err
	}
	if err := s.addAlias(r, rq.f, id, o); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

// linkTarget is the "link" member of POST /groups, /datasets and /datatypes bodies.
type linkTarget struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// creationLink works out where a new object is linked: body "link" {id, name}, or "h5path"
// (+ parent_id, + implicit=1 to create intermediate groups). It returns "" parent for none.
func (s *Server) creationLink(r *http.Request, rq *request, body map[string]json.RawMessage) (parent, name string, err error) {
	var lt linkTarget
	if ok, err := field(body, "link", &lt); err != nil {
		return "", "", err
	} else if ok {
		if err := checkID(lt.ID, schema.KindGroup); err != nil {
			return "", "", err
		}
		if err := hdf.ValidateName(lt.Name); err != nil {
			return "", "", badRequest(err)
		}
		return lt.ID, lt.Name, nil
	}
	var h5path, parentID string
	if ok, err := field(body, "h5path", &h5path); err != nil || !ok {
		return "", "", err
	}
	if _, err := field(body, "parent_id", &parentID); err != nil {
		return "", "", err
	}
	if parentID == "" || strings.HasPrefix(h5path, "/") {
		parentID = rq.f.RootID()
	}
	parts := strings.Split(strings.Trim(h5path, "/"), "/")
	name = parts[len(parts)-1]
	if err := hdf.ValidateName(name); err != nil {
		return "", "", badRequest(err)
	}
	cur := parentID
	implicit := boolParam(r, "implicit")
	for _, p := range parts[:len(parts)-1] {
		next, err := rq.f.ResolveFrom(r.Context(), cur, p)
		if errors.Is(err, hdf.ErrNotFound) && implicit {
			g, err := rq.f.NewGroup(r.Context(), nil)
			if err != nil {
				return "", "", err
			}
			if err := rq.f.Link(r.Context(), cur, p, schema.Link{Class: schema.LinkHard, ID: g.ID}); err != nil {
				return "", "", err
			}
			next = g.ID
		} else if err != nil {
			return "", "", err
		}
		cur = next
	}
	return cur, name, nil
}

// linkNew links a freshly created object; an existing name is 409.
func (s *Server) linkNew(r *http.Request, rq *request, parent, name, id string) error {
	if parent == "" {
		return nil
	}
	g, err := rq.f.Group(r.Context(), parent)
	if err != nil {
		return s.objectGone(parent, err)
	}
	if _, ok := g.Links[name]; ok {
		return httpErr(http.StatusConflict, "link %s already exists in group %s", name, parent)
	}
	if err := rq.f.Link(r.Context(), parent, name, schema.Link{Class: schema.LinkHard, ID: id}); err != nil {
		return err
	}
	s.untomb("link:" + parent + "/" + name)
	return nil
}

func (s *Server) postGroup(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	parent, name, err := s.creationLink(r, rq, body)
	if err != nil {
		return err
	}
	if parent != "" {
		if g, err := rq.f.Group(r.Context(), parent); err != nil {
			return s.objectGone(parent, err)
		} else if _, ok := g.Links[name]; ok {
			return httpErr(http.StatusConflict, "link %s already exists in group %s", name, parent)
		}
	}
	var cp json.RawMessage
	if v, ok := body["creationProperties"]; ok && string(v) != "null" {
		cp = v
	}
	g, err := rq.f.NewGroup(r.Context(), cp)
	if err != nil {
		return err
	}
	if err := s.linkNew(r, rq, parent, name, g.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, obj("id", g.ID, "root", g.Root, "created", g.Created,
		"lastModified", g.LastModified, "linkCount", 0, "attributeCount", 0))
}

// deleteObject answers DELETE /groups/{id}, /datasets/{id} and /datatypes/{id}.
func (s *Server) deleteObject(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actDelete)
	if err != nil {
		return err
	}
	kind := map[string]byte{"groups": schema.KindGroup, "datasets": schema.KindDataset, "datatypes": schema.KindDatatype}[strings.Split(strings.Trim(r.URL.Path, "/"), "/")[0]]
	id, err := s.objectID(r, rq, kind)
	if err != nil {
		return err
	}
	if id == rq.f.RootID() {
		return httpErr(http.StatusForbidden, "the root group cannot be deleted")
	}
	if err := rq.f.DeleteObject(r.Context(), id); err != nil {
		return s.objectGone(id, err)
	}
	s.tombstone("obj:" + id)
	return writeJSON(w, http.StatusOK, obj())
}
