package rest

import (
	"encoding/json"
	"net/http"
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
		out = append(out, obj("userName", u, "create", a.Create, "read", a.Read, "update", a.Update,
			"delete", a.Delete, "readACL", a.ReadACL, "updateACL", a.UpdateACL))
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
	return writeJSON(w, http.StatusOK, obj("acl", aclJSON(a, target), "hrefs", s.aclHrefs(r, rq)))
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
		if err := json.Unmarshal(v, p); err != nil {
			return httpErr(http.StatusBadRequest, "ACL key %q must be a boolean", k)
		}
	}
	if err := rq.f.SetACL(r.Context(), target, acl); err != nil {
		return err
	}
	// HSDS answers with its data node's reply, an empty object (domain_sn.py PUT_ACL).
	return writeJSON(w, http.StatusCreated, obj())
}
