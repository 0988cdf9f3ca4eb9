package rest

import (
	"net/http"
	"path"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// listTop answers GET / without a domain: the top-level folders.
func (s *Server) listTop(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireUser(r); err != nil {
		return err
	}
	bucket, err := s.bucketChecked(r)
	if err != nil {
		return err
	}
	entries, err := hdf.ListDomains(r.Context(), s.cfg.Store, bucket, "/")
	if err != nil {
		return err
	}
	var names []any
	for _, e := range entries {
		names = append(names, e.Path)
	}
	if names == nil {
		names = []any{}
	}
	return writeJSON(w, http.StatusOK, obj("domains", names, "hrefs", []any{}))
}

func (s *Server) getDomains(w http.ResponseWriter, r *http.Request) error {
	user, err := s.requireUser(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	bucket, err := s.bucketChecked(r)
	if err != nil {
		return err
	}
	folder := "/"
	if raw := strings.TrimSuffix(domainParam(r), "/"); raw != "" {
		b, p, err := schema.ParseDomain(raw, bucket)
		if err != nil {
			return badRequest(err)
		}
		bucket, folder = b, p
		f, err := s.openFile(ctx, bucket, folder)
		if err != nil {
			return err
		}
		if !f.Domain.IsFolder() {
			return httpErr(http.StatusBadRequest, "%s is not a folder", folder)
		}
		if err := s.aclCheck(&f.Domain, user, actRead); err != nil {
			return err
		}
	}
	entries, err := hdf.ListDomains(ctx, s.cfg.Store, bucket, folder)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "Limit", 0)
	if err != nil {
		return err
	}
	pattern := r.URL.Query().Get("pattern")
	marker := r.URL.Query().Get("Marker")
	var out []*jobj
	started := marker == ""
	for _, e := range entries {
		if !started {
			started = e.Path == marker || path.Base(e.Path) == marker
			continue
		}
		if pattern != "" {
			if ok, err := path.Match(pattern, path.Base(e.Path)); err != nil {
				return httpErr(http.StatusBadRequest, "invalid pattern %q: %v", pattern, err)
			} else if !ok {
				continue
			}
		}
		d := e.Domain
		class := "domain"
		if d.IsFolder() {
			class = "folder"
		}
		o := obj("name", e.Path, "class", class, "owner", d.Owner, "created", d.Created,
			"lastModified", d.LastModified)
		if !d.IsFolder() {
			o.set("root", d.Root)
		}
		o.set("hrefs", []*jobj{s.href(r, "domain", "/", e.Path)})
		out = append(out, o)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	if out == nil {
		out = []*jobj{}
	}
	return writeJSON(w, http.StatusOK, obj("domains", out, "hrefs", []any{}))
}

// getCollection answers GET /groups, /datasets and /datatypes.
func (s *Server) getCollection(col string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rq, err := s.open(r, actRead)
		if err != nil {
			return err
		}
		groups, dsets, types, _, err := rq.f.ListObjects(r.Context(), 0)
		if err != nil {
			return err
		}
		ids := map[string][]string{"groups": groups, "datasets": dsets, "datatypes": types}[col]
		ids, err = page(r, ids)
		if err != nil {
			return err
		}
		list := make([]any, len(ids))
		for i, id := range ids {
			list[i] = id
		}
		// self, root, home (domain_sn.py GET_Groups, GET_Datasets, GET_Datatypes).
		return writeJSON(w, http.StatusOK, obj(col, list, "hrefs", []*jobj{
			s.href(r, "self", "/"+col, rq.dom), s.href(r, "root", "/groups/"+rq.f.RootID(), rq.dom),
			s.href(r, "home", "/", rq.dom)}))
	}
}

// page applies Marker (start after this name; unknown is 404) and Limit to sorted names.
func page(r *http.Request, names []string) ([]string, error) {
	limit, err := intParam(r, "Limit", 0)
	if err != nil {
		return nil, err
	}
	if m := r.URL.Query().Get("Marker"); m != "" {
		i := -1
		for j, n := range names {
			if n == m {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, httpErr(http.StatusNotFound, "Marker %q not found", m)
		}
		names = names[i+1:]
	}
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	return names, nil
}
