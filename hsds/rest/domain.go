package rest

import (
	"context"
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
		of, id, err := s.resolvePath(r, rq, h5path)
		if err != nil {
			return err
		}
		o, err := s.pathObjectJSON(r, of, id)
		if err != nil {
			return err
		}
		// domain_sn.py GET_Domain: the request domain's hrefs, with home after root; the
		// parent is that of the domain the object was found in.
		h := []*jobj{s.href(r, "self", "/", rq.dom), s.href(r, "database", "/datasets", rq.dom),
			s.href(r, "groupbase", "/groups", rq.dom), s.href(r, "typebase", "/datatypes", rq.dom),
			s.href(r, "root", "/groups/"+f.Domain.Root, rq.dom), s.href(r, "home", "/", rq.dom),
			s.href(r, "acls", "/acls", rq.dom)}
		if p := schema.ParentDomain(of.Path()); p != "" {
			h = append(h, s.href(r, "parent", "/", of.Bucket()+p))
		}
		o.set("hrefs", h)
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
	if boolParam(r, "verbose") {
		scan, err := f.Scan(ctx)
		if err != nil {
			return err
		}
		setScanSummary(o, &d, f.Bucket(), scan)
	}
	getobjs := boolParam(r, "getobjs")
	if getobjs {
		groups, dsets, types, truncated, err := f.ListObjects(ctx, 0)
		if err != nil {
			return err
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

// pathObjectJSON is an object found by h5path as GET and POST / answer it (domain_sn.py
// GET_Domain, POST_Domain: getObjectJson, respJsonAssemble): the stored object (a group's links
// with include_links, attributes with include_attrs, a dataset's creationProperties always),
// the domain it is in and its class.
func (s *Server) pathObjectJSON(r *http.Request, f *hdf.File, id string) (*jobj, error) {
	o, err := s.storedObjectJSON(r, f, id, truthyParam(r, "include_attrs"))
	if err != nil {
		return nil, err
	}
	if schema.Kind(id) == schema.KindGroup && !truthyParam(r, "include_links") {
		o.del("links")
	}
	if schema.Kind(id) == schema.KindDataset && !o.has("creationProperties") {
		o.set("creationProperties", &jobj{})
	}
	o.set("domain", f.Path())
	o.set("class", strings.TrimSuffix(collectionOf(id), "s"))
	return o, nil
}

// del removes key k.
func (o *jobj) del(k string) {
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			o.vals = append(o.vals[:i], o.vals[i+1:]...)
			return
		}
	}
}

// has reports whether key k is set.
func (o *jobj) has(k string) bool {
	for _, kk := range o.keys {
		if kk == k {
			return true
		}
	}
	return false
}

// resolvePath resolves h5path as HSDS's getObjectIdByPath does (servicenode_lib.py): an
// absolute path from the root, a relative one from the parent_id (or grpid) parameter, else
// from the route's group id, else (GET and POST / only) from the root; relative paths on the
// object collections need a parent (400). Soft links are followed with follow_soft_links,
// external links (GET and POST / only: the object is in another domain) with
// follow_external_links, checking read permission on that domain. It returns the domain the
// object is in and its id.
func (s *Server) resolvePath(r *http.Request, rq *request, h5path string) (*hdf.File, string, error) {
	f := rq.f
	start := ""
	if !strings.HasPrefix(h5path, "/") {
		start = r.URL.Query().Get("parent_id")
		if start == "" {
			start = r.URL.Query().Get("grpid")
		}
		if start == "" {
			start = r.PathValue("id")
		}
		if start == "" && r.URL.Path != "/" {
			// GET /groups/, /datasets/, /datatypes/ (group_sn.py GET_Group, dset_sn.py
			// GET_Dataset, ctype_sn.py GET_Datatype); the domain routes start at the root.
			return nil, "", httpErr(http.StatusBadRequest, "h5path %q must be absolute when no parent id (grpid or parent_id) is given", h5path)
		}
		if start != "" {
			if err := schema.ValidateID(start); err != nil || schema.Kind(start) != schema.KindGroup {
				return nil, "", httpErr(http.StatusBadRequest, "invalid parent group id %q", start)
			}
			if schema.RootOf(start) != f.RootID() {
				if err := f.CheckMember(r.Context(), start); err != nil {
					return nil, "", err
				}
			}
		}
	}
	opts := hdf.ResolveOptions{FollowSoft: truthyParam(r, "follow_soft_links"), FollowExternal: truthyParam(r, "follow_external_links")}
	if r.URL.Path == "/" {
		opts.OpenExternal = func(ctx context.Context, dom string) (*hdf.File, error) {
			bucket, path, err := schema.ParseDomain(dom, f.Bucket())
			if err != nil {
				return nil, badRequest(err)
			}
			ef, err := s.openFile(ctx, bucket, path)
			if err != nil {
				return nil, err
			}
			if ef.Domain.IsFolder() {
				return nil, httpErr(http.StatusBadRequest, "external link target %s is a folder, not a domain", dom)
			}
			if err := s.aclCheck(&ef.Domain, rq.user, actRead); err != nil {
				return nil, err
			}
			return ef, nil
		}
	}
	return f.ResolveWith(r.Context(), start, h5path, opts)
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
	// HSDS domain_sn.py PUT_Domain: `"flush" in params and params["flush"]`, else the body's
	// member by Python truth ({"flush": 1, "getdnids": 1} from h5pyd's File.flush()).
	flush := boolParam(r, "flush") || bodyTruthy(body, "flush")
	rescan := boolParam(r, "rescan") || bodyTruthy(body, "rescan")
	getdnids := boolParam(r, "getdnids") || bodyTruthy(body, "getdnids")
	if flush || rescan {
		f, err := s.openFile(ctx, bucket, dpath)
		if err != nil {
			return err
		}
		if err := s.aclCheck(&f.Domain, user, actUpdate); err != nil {
			return err
		}
		if flush && getdnids && !f.Domain.IsFolder() {
			return writeJSON(w, http.StatusOK, obj("dn_ids", []any{"dn-001"}))
		}
		// HSDS answers flush and rescan through its JSON response helper: 204 with the JSON
		// media type and no body.
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	folder := bodyTruthy(body, "folder")
	var owner string
	var grp struct {
		CreationProperties map[string]any `json:"creationProperties"`
	}
	if _, err := field(body, "owner", &owner); err != nil {
		return err
	}
	if _, err := field(body, "group", &grp); err != nil {
		return err
	}
	var linkedDomain, linkedBucket string
	if _, ok := body["linked_domain"]; ok {
		if folder {
			return httpErr(http.StatusBadRequest, "a folder cannot be created with linked_domain")
		}
		if _, err := field(body, "linked_domain", &linkedDomain); err != nil {
			return err
		}
		if _, err := field(body, "linked_bucket", &linkedBucket); err != nil {
			return err
		}
		if linkedBucket == "" {
			linkedBucket = bucket
		}
		if err := schema.ValidateDomainPath(linkedDomain); err != nil {
			return httpErr(http.StatusBadRequest, "linked_domain %q is not valid: %v", linkedDomain, err)
		}
		if linkedBucket != bucket {
			// Object keys carry no bucket: a root is only reachable in its own bucket.
			return httpErr(http.StatusBadRequest, "linked_bucket %q: a linked domain must be in the bucket of the new domain (%s)", linkedBucket, bucket)
		}
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
	var linkedRoot string
	if linkedDomain != "" {
		lf, err := s.openFile(ctx, bucket, linkedDomain)
		if err != nil {
			return err
		}
		if lf.Domain.IsFolder() {
			return httpErr(http.StatusBadRequest, "linked_domain %s is a folder, not a domain", linkedDomain)
		}
		// HSDS domain_sn.py PUT_Domain checks read and delete on the linked domain.
		if err := s.aclCheck(&lf.Domain, user, actRead); err != nil {
			return err
		}
		if err := s.aclCheck(&lf.Domain, user, actDelete); err != nil {
			return err
		}
		linkedRoot = lf.Domain.Root
	}
	f, err := hdf.Create(ctx, s.cfg.Store, bucket, dpath, hdf.CreateOptions{Owner: owner, Folder: folder, LinkedRoot: linkedRoot})
	if err != nil {
		return err
	}
	for u, a := range inherit {
		if err := f.SetACL(ctx, u, a); err != nil {
			return err
		}
	}
	if len(grp.CreationProperties) > 0 && !folder && linkedRoot == "" {
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
	if getdnids {
		o.set("dn_ids", []any{"dn-001"})
	}
	return writeJSON(w, http.StatusCreated, o)
}

// setScanSummary adds the verbose domain summary to a GET / answer as HSDS's getDomainResponse
// does (servicenode_lib.py): num_groups, num_datasets, num_datatypes, num_objects (those and the
// chunks), total_size (the domain JSON, chunk, linked and metadata bytes), allocated_bytes,
// metadata_bytes, linked_bytes, num_chunks, num_linked_chunks, md5_sum and the scan itself as
// scan_info; lastModified becomes the newest object's when that is later.
func setScanSummary(o *jobj, d *schema.Domain, bucket string, sc *hdf.ScanInfo) {
	dj, _ := schema.Marshal(*d)
	total := int64(len(dj)) + sc.AllocatedBytes + sc.LinkedBytes + sc.MetadataBytes
	if sc.LastModified > d.LastModified {
		o.set("lastModified", sc.LastModified)
	}
	dsets := &jobj{}
	ids := make([]string, 0, len(sc.Datasets))
	byID := map[string]*hdf.DatasetScan{}
	for k, ds := range sc.Datasets {
		id := ds.ID
		if id == "" {
			id = k
		}
		ids = append(ids, id)
		byID[id] = ds
	}
	sort.Strings(ids)
	for _, id := range ids {
		ds := byID[id]
		var logical any = ds.LogicalBytes
		if ds.Variable {
			logical = "variable"
		}
		dsets.set(id, obj("lastModified", ds.LastModified, "num_chunks", ds.NumChunks,
			"allocated_bytes", ds.AllocatedBytes, "logical_bytes", logical, "linked_bytes", ds.LinkedBytes,
			"num_linked_chunks", ds.NumLinkedChunks))
	}
	info := obj("lastModified", sc.LastModified, "num_groups", sc.NumGroups, "num_datatypes", sc.NumDatatypes,
		"datasets", dsets, "num_chunks", sc.NumChunks, "allocated_bytes", sc.AllocatedBytes,
		"metadata_bytes", sc.MetadataBytes, "num_linked_chunks", sc.NumLinkedChunks,
		"linked_bytes", sc.LinkedBytes, "logical_bytes", sc.LogicalBytes, "bucket", bucket, "scan_start", sc.ScanStart)
	if sc.MD5Sum != "" {
		info.set("md5_sum", sc.MD5Sum)
	}
	info.set("scan_complete", sc.ScanComplete)
	o.set("scan_info", info).
		set("num_groups", sc.NumGroups).set("num_datasets", sc.NumDatasets()).
		set("num_datatypes", sc.NumDatatypes).
		set("num_objects", sc.NumGroups+sc.NumDatasets()+sc.NumDatatypes+sc.NumChunks).
		set("total_size", total).set("allocated_bytes", sc.AllocatedBytes).
		set("metadata_bytes", sc.MetadataBytes).set("linked_bytes", sc.LinkedBytes).
		set("num_chunks", sc.NumChunks).set("num_linked_chunks", sc.NumLinkedChunks).
		set("md5_sum", sc.MD5Sum)
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
	// HSDS domain_sn.py DELETE_Domain reads keep_root from the body, else the query.
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	keepRoot := bodyTruthy(body, "keep_root") || boolParam(r, "keep_root")
	if err := hdf.DeleteDomain(r.Context(), s.cfg.Store, f.Bucket(), f.Path(), keepRoot); err != nil {
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
		of, id, err := s.resolvePath(r, rq, p)
		if errors.Is(err, hdf.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		o, err := s.pathObjectJSON(r, of, id)
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
