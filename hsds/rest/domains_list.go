package rest

import (
	"net/http"
	"path"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

// listTop answers GET / without a domain: the top-level domains and folders as GET /domains
// lists them, with an href to each and a self href (domain_sn.py GET_Domain, get_domains with
// include_hrefs).
func (s *Server) listTop(w http.ResponseWriter, r *http.Request) error {
	user, err := s.requireUser(r)
	if err != nil {
		return err
	}
	bucket, err := s.bucketChecked(r)
	if err != nil {
		return err
	}
	out, err := s.listDomains(r, user, bucket, "/")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj("domains", out, "hrefs", []*jobj{s.href(r, "self", "/", "")}))
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
	out, err := s.listDomains(r, user, bucket, folder)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, obj("domains", out, "hrefs", []any{}))
}

// listDomains lists the domains and folders in folder as HSDS's get_domains does
// (domain_sn.py): Marker, Limit and the glob pattern on the names, then query= on the root
// group's scalar attributes (a domain without them, and every folder, drops out), each entry
// with name, class, owner, created, lastModified, root (domains) and an href.
func (s *Server) listDomains(r *http.Request, user, bucket, folder string) ([]*jobj, error) {
	ctx := r.Context()
	entries, err := hdf.ListDomains(ctx, s.cfg.Store, bucket, folder)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(r, "Limit", 0)
	if err != nil {
		return nil, err
	}
	pattern := r.URL.Query().Get("pattern")
	marker := r.URL.Query().Get("Marker")
	var query *domainQuery
	if r.URL.Query().Has("query") {
		if query, err = parseDomainQuery(r.URL.Query().Get("query")); err != nil {
			return nil, httpErr(http.StatusBadRequest, "invalid query expression %q: %v", r.URL.Query().Get("query"), err)
		}
	}
	var out []*jobj
	started := marker == ""
	picked := 0
	for _, e := range entries {
		if pattern != "" {
			if ok, err := path.Match(pattern, path.Base(e.Path)); err != nil {
				return nil, httpErr(http.StatusBadRequest, "invalid pattern %q: %v", pattern, err)
			} else if !ok {
				continue
			}
		}
		if !started {
			started = e.Path == marker || path.Base(e.Path) == marker
			continue
		}
		if limit > 0 && picked >= limit {
			break
		}
		picked++
		d := e.Domain
		if query != nil {
			if d.IsFolder() {
				continue
			}
			f, err := s.openFile(ctx, bucket, e.Path)
			if err != nil {
				continue
			}
			attrs, err := f.ObjectAttributes(ctx, d.Root)
			if err != nil {
				continue
			}
			vars, ok := queryVars(query, attrs)
			if !ok || !query.eval(vars) {
				continue
			}
		}
		class := "domain"
		if d.IsFolder() {
			class = "folder"
		}
		o := &jobj{}
		if !d.IsFolder() {
			o.set("root", d.Root)
		}
		o.set("class", class).set("owner", d.Owner).set("created", d.Created).
			set("lastModified", d.LastModified)
		if !d.IsFolder() && truthyParam(r, "verbose") {
			// get_domains passes verbose to getDomainResponse for each domain (domain_sn.py,
			// folder_crawl.py): the summary GET /?verbose=1 gives.
			f, err := s.openFile(ctx, bucket, e.Path)
			if err != nil {
				return nil, err
			}
			scan, err := f.Scan(ctx)
			if err != nil {
				return nil, err
			}
			setScanSummary(o, &d, bucket, scan)
		}
		o.set("name", e.Path)
		o.set("hrefs", []*jobj{s.href(r, "domain", "/", e.Path)})
		out = append(out, o)
	}
	if out == nil {
		out = []*jobj{}
	}
	return out, nil
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
