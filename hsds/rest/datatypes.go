package rest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

func (s *Server) postDatatype(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	rawType, ok := body["type"]
	if !ok {
		return httpErr(http.StatusBadRequest, "POST /datatypes needs a type")
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
	t, err := rq.f.CreateDatatype(r.Context(), rawType)
	if err != nil {
		return badRequestIfInvalid(err)
	}
	if err := s.linkNew(r, rq, parent, name, t.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, obj("id", t.ID, "root", t.Root, "created", t.Created,
		"lastModified", t.LastModified, "type", t.Type, "attributeCount", 0))
}

func (s *Server) getDatatype(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actRead)
	if err != nil {
		return err
	}
	id, err := s.objectID(r, rq, schema.KindDatatype)
	if err != nil {
		return err
	}
	o, err := s.objectJSON(r, rq.f, id, rq.dom, false, boolParam(r, "include_attrs"))
	if err != nil {
		return err
	}
	if err := s.addAlias(r, rq.f, id, o); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) datatypeJSON(r *http.Request, f *hdf.File, t *schema.Datatype, dom string, includeAttrs bool) *jobj {
	o := obj("id", t.ID, "root", t.Root, "type", t.Type, "created", t.Created,
		"lastModified", t.LastModified, "attributeCount", len(t.Attributes), "domain", f.Path())
	if includeAttrs {
		o.set("attributes", attrsMap(t.Attributes))
	}
	p := "/datatypes/" + t.ID
	return o.set("hrefs", []*jobj{s.href(r, "self", p, dom), s.href(r, "root", "/groups/"+t.Root, dom),
		s.href(r, "home", "/", dom), s.href(r, "attributes", p+"/attributes", dom)})
}

// parseDims decodes an extent list given as an int or a list of ints >= 0 (0 allowed for
// maxdims as unlimited; "H5S_UNLIMITED" too when unlimitedOK).
func parseDims(raw json.RawMessage, what string, unlimitedOK bool) ([]int, error) {
	var one int
	if json.Unmarshal(raw, &one) == nil {
		if one < 0 {
			return nil, httpErr(http.StatusBadRequest, "%s: extents must be >= 0", what)
		}
		return []int{one}, nil
	}
	var list []any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&list); err != nil {
		return nil, httpErr(http.StatusBadRequest, "%s: want an int or a list of ints", what)
	}
	if len(list) > 32 {
		return nil, httpErr(http.StatusBadRequest, "%s: rank %d is more than 32", what, len(list))
	}
	out := make([]int, len(list))
	for i, v := range list {
		switch x := v.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil || n < 0 || n > 1<<53 {
				return nil, httpErr(http.StatusBadRequest, "%s: extent %v is not an int >= 0", what, x)
			}
			out[i] = int(n)
		case string:
			if !unlimitedOK || x != "H5S_UNLIMITED" {
				return nil, httpErr(http.StatusBadRequest, "%s: extent %q is not an int", what, x)
			}
			out[i] = 0
		default:
			return nil, httpErr(http.StatusBadRequest, "%s: extent %v is not an int", what, v)
		}
	}
	return out, nil
}
