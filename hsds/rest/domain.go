package rest

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/schema"
)

func (s *Server) getAbout(w http.ResponseWriter, r *http.Request) error {
	user, ok, err := s.authenticate(r)
	if err != nil {
		return err
	}
	if !ok {
		user = "anonymous"
	}
	return writeJSON(w, http.StatusOK, obj(
		"start_time", s.start.Unix(), "state", "READY", "hsds_version", HSDSVersion,
		"name", s.cfg.ServerName, "greeting", "Welcome to HSDS!",
		"about", "HSDS-compatible HDF REST API served by hsfan",
		"node_count", 1, "dn_urls", []any{}, "dn_ids", []any{"dn-001"},
		"username", user, "isadmin", s.isAdmin(user)))
}

func (s *Server) getInfo(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	n := s.reqCount
	s.mu.Unlock()
	return writeJSON(w, http.StatusOK, obj(
		"node", obj("id", "sn-001", "type", "sn", "start_time", s.start.Unix(), "state", "READY", "node_count", 1),
		"cpu", obj(), "diskio", obj(), "netio", obj(), "memory", obj(), "disk", obj(),
		"log_stats", obj(), "req_count", n, "meta_cache_stats", obj(), "chunk_cache_stats", obj(),
		"domain_cache_stats", obj()))
}

// limits is the "limits" member of domain responses.
func (s *Server) limits() *jobj {
	return obj("min_chunk_size", hdf.MinChunkBytes, "max_chunk_size", hdf.MaxChunkBytes,
		"max_request_size", s.cfg.MaxRequestBytes)
}

// compressors is the "compressors" member of domain responses: blosc's compressors with zlib
// named gzip, then "deflate" as its synonym (hsds/util/storUtil.py getSupportedFilters).
func compressors() []any {
	var out []any
	for _, c := range schema.SupportedCompressors() {
		out = append(out, c)
	}
	return append(out, "deflate")
}

// domainHrefs lists self, database, groupbase, typebase, root, acls and parent (7 for a
// domain below a folder), or self, domains, acls, parent for folders.
func (s *Server) domainHrefs(r *http.Request, f *hdf.File, dom string) []*jobj {
	var h []*jobj
	h = append(h, s.href(r, "self", "/", dom))
	if f.Domain.IsFolder() {
		// HSDS appends "/" to the whole URL (domain_sn.py GET_Domain: getHref(...) + '/').
		d := s.href(r, "domains", "/domains", dom)
		d.set("href", s.url(r, "/domains", dom)+"/")
		h = append(h, d)
	} else {
		h = append(h, s.href(r, "database", "/datasets", dom),
			s.href(r, "groupbase", "/groups", dom),
			s.href(r, "typebase", "/datatypes", dom),
			s.href(r, "root", "/groups/"+f.Domain.Root, dom))
	}
	h = append(h, s.href(r, "acls", "/acls", dom))
	if p := schema.ParentDomain(f.Path()); p != "" {
		// HSDS names the parent with its bucket (domainUtil.getParentDomain of "bucket/path").
		h = append(h, s.href(r, "parent", "/", f.Bucket()+p))
	}
	return h
}

func (s *Server) getDomain(w http.ResponseWriter, r *http.Request) error {
	if domainParam(r) == "" && !r.URL.Query().Has("host") {
		return s.listTop(w, r)
	}
	rq, err := s.open(r, actRead)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := rq.f
	if h5path := r.URL.Query().Get("h5path"); h5path != "" {
		id, err := s.resolvePath(r, f, h5path)
		if err != nil {
			return err
		}
		o, err := s.objectJSON(r, f, id, rq.dom, true, boolParam(r, "include_attrs"))
		if err != nil {
			return err
		}
		o.set("domain", f.Path())
		o.set("class", strings.TrimSuffix(collectionOf(id), "s"))
		return writeJSON(w, http.StatusOK, o)
	}
	d := f.Domain
	if d.IsFolder() {
		return writeJSON(w, http.StatusOK, obj("class", "folder", "owner", d.Owner, "created", d.Created,
			"lastModified", d.LastModified, "hrefs", s.domainHrefs(r, f, rq.dom)))
	}
	o := obj("root", d.Root, "class", "domain", "owner", d.Owner, "created", d.Created,
		"limits", s.limits(), "compressors", compressors(), "version", HSDSVersion,
		"lastModified", d.LastModified)
	if boolParam(r, "getdnids") {
		o.set("dn_ids", []any{"dn-001"})
	}
	getobjs := boolParam(r, "getobjs")
	if getobjs || boolParam(r, "verbose") {
		groups, dsets, types, truncated, err := f.ListObjects(ctx, 0)
		if err != nil {
			return err
		}
		if boolParam(r, "verbose") {
			o.set("num_groups", len(groups)+1).set("num_datasets", len(dsets)).
				set("num_datatypes", len(types)).set("num_objects", len(groups)+len(dsets)+len(types)+1)
		}
		all := append(append(append([]string{d.Root}, groups...), dsets...), types...)
		if getobjs && !truncated && len(all) <= 500 {
			objs := &jobj{}
			for _, id := range all {
				oj, err := s.storedObjectJSON(r, f, id, boolParam(r, "include_attrs"))
				if err != nil {
					return err
				}
				objs.set(id, oj)
			}
			o.set("domain_objs", objs)
		}
	}
	o.set("hrefs", s.domainHrefs(r, f, rq.dom))
	return writeJSON(w, http.StatusOK, o)
}

// resolvePath resolves h5path, relative to parent_id when the path is relative.
func (s *Server) resolvePath(r *http.Request, f *hdf.File, h5path string) (string, error) {
	if !strings.HasPrefix(h5path, "/") {
		parent := r.URL.Query().Get("parent_id")
		if parent == "" {
			parent = r.PathValue("id")
		}
		if parent == "" || parent == f.RootID() {
			h5path = "/" + h5path
		} else {
			return f.ResolveFrom(r.Context(), parent, h5path)
		}
	}
	id, err := f.Resolve(r.Context(), h5path)
	if errors.Is(err, hdf.ErrUnsupported) {
		return "", httpErr(http.StatusBadRequest, "%v", err)
	}
	return id, err
}

func (s *Server) putDomain(w http.ResponseWriter, r *http.Request) error {
	user, err := s.requireUser(r)
	if err != nil {
		return err
	}
	bucket, dpath, err := s.domainOf(r)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var flush, rescan bool
	_, _ = field(body, "flush", &flush)
	_, _ = field(body, "rescan", &rescan)
	if boolParam(r, "flush") || boolParam(r, "rescan") || flush || rescan {
		f, err := s.openFile(ctx, bucket, dpath)
		if err != nil {
			return err
		}
		if err := s.aclCheck(&f.Domain, user, actUpdate); err != nil {
			return err
		}
		if boolParam(r, "getdnids") {
			return writeJSON(w, http.StatusOK, obj("dn_ids", []any{"dn-001"}))
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	var folder bool
	var owner string
	var grp struct {
		CreationProperties map[string]any `json:"creationProperties"`
	}
	if _, err := field(body, "folder", &folder); err != nil {
		return err
	}
	if _, err := field(body, "owner", &owner); err != nil {
		return err
	}
	if _, err := field(body, "group", &grp); err != nil {
		return err
	}
	if _, ok := body["linked_domain"]; ok {
		return httpErr(http.StatusBadRequest, "linked_domain is not supported")
	}
	if owner != "" && owner != user && !s.isAdmin(user) {
		return httpErr(http.StatusForbidden, "only an admin may set the owner")
	}
	if owner == "" {
		owner = user
	}
	if _, err := hdf.Open(ctx, s.cfg.Store, bucket, dpath); err == nil {
		return httpErr(http.StatusConflict, "domain %s already exists", dpath)
	} else if !errors.Is(err, hdf.ErrNotFound) {
		return err
	}
	parent := schema.ParentDomain(dpath)
	var inherit map[string]schema.ACL
	if parent == "" {
		if !s.isAdmin(user) {
			return httpErr(http.StatusForbidden, "only an admin may create top-level domain %s", dpath)
		}
	} else {
		pf, err := s.openFile(ctx, bucket, parent)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				return httpErr(http.StatusNotFound, "parent folder %s not found", parent)
			}
			return err
		}
		if !pf.Domain.IsFolder() {
			return httpErr(http.StatusBadRequest, "parent %s is not a folder", parent)
		}
		if err := s.aclCheck(&pf.Domain, user, actCreate); err != nil {
			return err
		}
		inherit = map[string]schema.ACL{}
		for u, a := range pf.Domain.ACLs {
			if u == "default" || u == owner || s.isAdmin(u) || a == (schema.ACL{}) {
				continue
			}
			inherit[u] = a
		}
	}
	f, err := hdf.Create(ctx, s.cfg.Store, bucket, dpath, hdf.CreateOptions{Owner: owner, Folder: folder})
	if err != nil {
		return err
	}
	for u, a := range inherit {
		if err := f.SetACL(ctx, u, a); err != nil {
			return err
		}
	}
	if len(grp.CreationProperties) > 0 && !folder {
		b, err := appendJSON(nil, grp.CreationProperties)
		if err != nil {
			return err
		}
		if err := f.SetGroupCreationProperties(ctx, f.RootID(), b); err != nil {
			return err
		}
	}
	s.untomb("dom:" + bucket + dpath)
	d := f.Domain
	o := &jobj{}
	if !folder {
		o.set("root", d.Root)
	}
	o.set("owner", d.Owner).set("acls", aclsJSON(d.ACLs)).set("created", d.Created).
		set("lastModified", d.LastModified)
	// HSDS mixes these into folders too (domain_sn.py PUT_Domain).
	o.set("limits", s.limits()).set("compressors", compressors()).set("version", HSDSVersion)
	return writeJSON(w, http.StatusCreated, o)
}

func aclsJSON(m map[string]schema.ACL) *jobj {
	o := &jobj{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.set(k, aclJSON(m[k], ""))
	}
	return o
}

func aclJSON(a schema.ACL, user string) *jobj {
	o := obj("create", a.Create, "read", a.Read, "update", a.Update, "delete", a.Delete,
		"readACL", a.ReadACL, "updateACL", a.UpdateACL)
	if user != "" {
		o.set("userName", user)
	}
	return o
}

func (s *Server) deleteDomain(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actDelete)
	if err != nil {
		return err
	}
	f := rq.f
	if schema.ParentDomain(f.Path()) == "" && !s.isAdmin(rq.user) {
		return httpErr(http.StatusForbidden, "only an admin may delete top-level domain %s", f.Path())
	}
	if err := hdf.Delete(r.Context(), s.cfg.Store, f.Bucket(), f.Path()); err != nil {
		if errors.Is(err, hdf.ErrExists) {
			return httpErr(http.StatusConflict, "folder %s is not empty", f.Path())
		}
		return err
	}
	s.tombstone("dom:" + f.Bucket() + f.Path())
	writeRawJSON(w, http.StatusOK, []byte("null"))
	return nil
}

func (s *Server) postDomain(w http.ResponseWriter, r *http.Request) error {
	rq, err := s.open(r, actRead)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	var paths []string
	if ok, err := field(body, "h5paths", &paths); err != nil {
		return err
	} else if !ok {
		return httpErr(http.StatusBadRequest, "POST / needs h5paths in the body")
	}
	out := &jobj{}
	for _, p := range paths {
		id, err := s.resolvePath(r, rq.f, p)
		if errors.Is(err, hdf.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		o, err := s.objectJSON(r, rq.f, id, rq.dom, false, boolParam(r, "include_attrs"))
		if err != nil {
			return err
		}
		out.set(p, o)
	}
	if len(out.keys) == 0 && len(paths) > 0 {
		return httpErr(http.StatusNotFound, "none of the h5paths were found")
	}
	return writeJSON(w, http.StatusOK, obj("h5paths", out))
}
