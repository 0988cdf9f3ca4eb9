package rest

import (
	"encoding/json"
	"net/http"

	"github.com/hsfan/hsfan/hsds/hdf"
)

func (s *Server) getACLs(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actReadACL)
	if err != nil {
		return err
	}
	acls := rq.f.Domain.ACLs
	out := make([]*jobj, 0, len(acls))
	for _, u := range sortedNames(acls) {
		a := acls[u]
		o := obj("userName", u, "create", a.Create, "read", a.Read, "update", a.Update,
			"delete", a.Delete, "readACL", a.ReadACL, "updateACL", a.UpdateACL)
		if d := aclDomain(rq.f, u); d != "" {
			o.set("domain", d)
		}
		out = append(out, o)
	}
	return writeJSON(w, http.StatusOK, obj("acls", out, "hrefs", s.aclHrefs(r, rq)))
}

// aclHrefs are the hrefs of both ACL GETs: self (/acls, also for one user), root (domains only),
// home and owner (both the domain) (domain_sn.py GET_ACL, GET_ACLs).
func (s *Server) aclHrefs(r *http.Request, rq *request) []*jobj {
	h := []*jobj{s.href(r, "self", "/acls", rq.dom)}
	if !rq.f.Domain.IsFolder() {
		h = append(h, s.href(r, "root", "/groups/"+rq.f.Domain.Root, rq.dom))
	}
	return append(h, s.href(r, "home", "/", rq.dom), s.href(r, "owner", "/", rq.dom))
}

func (s *Server) getACL(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actRead)
	if err != nil {
		return err
	}
	target := r.PathValue("user")
	if target != rq.user && target != "default" {
		if err := s.aclCheck(&rq.f.Domain, rq.user, actReadACL); err != nil {
			return err
		}
	}
	a, ok := rq.f.Domain.ACLs[target]
	if !ok {
		return httpErr(http.StatusNotFound, "no ACL for %s", target)
	}
	o := aclJSON(a, "")
	if d := aclDomain(rq.f, target); d != "" {
		o.set("domain", d)
	}
	o.set("userName", target)
	return writeJSON(w, http.StatusOK, obj("acl", o, "hrefs", s.aclHrefs(r, rq)))
}

func (s *Server) putACL(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actUpdateACL)
	if err != nil {
		return err
	}
	target := r.PathValue("user")
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	acl := rq.f.Domain.ACLs[target]
	ptrs := map[string]*bool{"create": &acl.Create, "read": &acl.Read, "update": &acl.Update,
		"delete": &acl.Delete, "readACL": &acl.ReadACL, "updateACL": &acl.UpdateACL}
	for k, v := range body {
		p, ok := ptrs[k]
		if !ok {
			return httpErr(http.StatusBadRequest, "unknown ACL key %q", k)
		}
		var b bool
		var n float64
		switch {
		case json.Unmarshal(v, &b) == nil:
			*p = b
		case json.Unmarshal(v, &n) == nil:
			*p = n != 0 // HSDS's aclCheck tests the stored value's truth
		default:
			return httpErr(http.StatusBadRequest, "ACL key %q must be a boolean (or 0 or 1)", k)
		}
	}
	if err := rq.f.SetACL(r.Context(), target, acl); err != nil {
		return err
	}
	// HSDS answers with its data node's reply, an empty object (domain_sn.py PUT_ACL).
	return writeJSON(w, http.StatusCreated, obj())
}

// aclDomain is the "domain" member HSDS's ACL answers carry for an ACL set by PUT /acls/{user}
// (its data node stores the bucket-qualified domain the service node adds to the body:
// domain_dn.py PUT_ACL): every user's ACL but the owner's and default's, which the domain's
// creation wrote without it. hsfan stores only the six flags and adds the member to answers.
func aclDomain(f *hdf.File, user string) string {
	if user == f.Domain.Owner || user == "default" {
		return ""
	}
	return f.Bucket() + f.Path()
}
