package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/pyjson"
	"github.com/hsfan/hsfan/hsds/schema"
)

func sortedNames[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// linkJSON is one item of GET /groups/{id}/links.
func (s *Server) linkJSON(r *http.Request, dom, gid, title string, l schema.Link) *jobj {
	o := obj("class", l.Class, "created", l.Created, "title", title)
	switch l.Class {
	case schema.LinkHard:
		col := collectionOf(l.ID)
		o.set("id", l.ID).set("collection", col).set("target", s.url(r, "/"+col+"/"+l.ID, dom))
	case schema.LinkSoft:
		o.set("h5path", l.H5Path)
	case schema.LinkExternal:
		o.set("h5path", l.H5Path).set("h5domain", l.H5Domain)
	}
	o.set("href", s.url(r, "/groups/"+gid+"/links/"+title, dom))
	return o
}

// storedLinkJSON is a link as HSDS's data node returns it: the stored item and its title, with
// none of the collection, target and href members GET links mixes in (link_sn.py POST_Links
// passes the data node's links through).
func storedLinkJSON(title string, l schema.Link) *jobj {
	o := obj("class", l.Class, "created", l.Created, "title", title)
	switch l.Class {
	case schema.LinkHard:
		o.set("id", l.ID)
	case schema.LinkSoft:
		o.set("h5path", l.H5Path)
	case schema.LinkExternal:
		o.set("h5path", l.H5Path).set("h5domain", l.H5Domain)
	}
	return o
}

// groupForLinks opens the request's domain and group for a links route.
func (s *Server) groupForLinks(r *http.Request, act aclAction) (*request, *schema.Group, error) {
	rq, err := s.open(r, act)
	if err != nil {
		return nil, nil, err
	}
	id, err := s.objectID(r, rq, schema.KindGroup)
	if err != nil {
		return nil, nil, err
	}
	g, err := rq.f.Group(r.Context(), id)
	if err != nil {
		return nil, nil, s.objectGone(id, err)
	}
	return rq, g, nil
}

// orderedTitles returns link titles sorted by name, or by creation time with CreateOrder=1.
func orderedTitles(r *http.Request, g *schema.Group) []string {
	titles := sortedNames(g.Links)
	if boolParam(r, "CreateOrder") {
		sort.SliceStable(titles, func(i, j int) bool { return g.Links[titles[i]].Created < g.Links[titles[j]].Created })
	}
	return titles
}

func (s *Server) filterLinks(r *http.Request, g *schema.Group) ([]*jobj, error) {
	titles := orderedTitles(r, g)
	if pat := r.URL.Query().Get("pattern"); pat != "" {
		var keep []string
		for _, t := range titles {
			ok, err := path.Match(pat, t)
			if err != nil {
				return nil, httpErr(http.StatusBadRequest, "invalid pattern %q: %v", pat, err)
			}
			if ok {
				keep = append(keep, t)
			}
		}
		titles = keep
	}
	titles, err := page(r, titles)
	if err != nil {
		return nil, err
	}
	out := make([]*jobj, 0, len(titles))
	for _, t := range titles {
		out = append(out, s.linkJSON(r, domainParam(r), g.ID, t, g.Links[t]))
	}
	return out, nil
}

func (s *Server) getLinks(w http.ResponseWriter, r *http.Request) error {
	rq, g, err := s.groupForLinks(r, actRead)
	if err != nil {
		return err
	}
	hrefs := []*jobj{s.href(r, "self", "/groups/"+g.ID+"/links", rq.dom),
		s.href(r, "home", "/", rq.dom), s.href(r, "owner", "/groups/"+g.ID, rq.dom)}
	if !boolParam(r, "follow_links") {
		links, err := s.filterLinks(r, g)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, obj("links", links, "hrefs", hrefs))
	}
	out := &jobj{}
	seen := map[string]bool{g.ID: true}
	queue := []*schema.Group{g}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		links, err := s.filterLinks(r, cur)
		if err != nil {
			return err
		}
		out.set(cur.ID, links)
		for _, t := range sortedNames(cur.Links) {
			l := cur.Links[t]
			if l.Class != schema.LinkHard || schema.Kind(l.ID) != schema.KindGroup || seen[l.ID] {
				continue
			}
			seen[l.ID] = true
			sub, err := rq.f.Group(r.Context(), l.ID)
			if errors.Is(err, hdf.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			queue = append(queue, sub)
		}
	}
	return writeJSON(w, http.StatusOK, obj("links", out, "hrefs", hrefs))
}

func (s *Server) getLink(w http.ResponseWriter, r *http.Request) error {
	rq, g, err := s.groupForLinks(r, actRead)
	if err != nil {
		return err
	}
	title := r.PathValue("title")
	l, ok := g.Links[title]
	if !ok {
		return s.linkMissing(g.ID, title)
	}
	lo := obj("title", title, "class", l.Class)
	var target string
	switch l.Class {
	case schema.LinkHard:
		col := collectionOf(l.ID)
		lo.set("id", l.ID).set("collection", col)
		target = "/" + col + "/" + l.ID
	case schema.LinkSoft:
		lo.set("h5path", l.H5Path)
	default:
		lo.set("h5path", l.H5Path).set("h5domain", l.H5Domain)
	}
	hrefs := []*jobj{s.href(r, "self", "/groups/"+g.ID+"/links/"+title, rq.dom),
		s.href(r, "home", "/", rq.dom), s.href(r, "owner", "/groups/"+g.ID, rq.dom)}
	if target != "" {
		hrefs = append(hrefs, s.href(r, "target", target, rq.dom))
	}
	return writeJSON(w, http.StatusOK, obj("link", lo, "created", l.Created, "lastModified", l.Created, "hrefs", hrefs))
}

func (s *Server) linkMissing(gid, title string) error {
	if s.isDeleted("link:" + gid + "/" + title) {
		return httpErr(http.StatusGone, "link %s has been deleted", title)
	}
	return httpErr(http.StatusNotFound, "link %s not found", title)
}

// linkItem is a link in a request body.
type linkItem struct {
	ID       string `json:"id"`
	H5Path   string `json:"h5path"`
	H5Domain string `json:"h5domain"`
}

func (s *Server) toLink(root, title string, it linkItem) (schema.Link, error) {
	if err := hdf.ValidateName(title); err != nil {
		return schema.Link{}, badRequest(err)
	}
	l := schema.Link{ID: it.ID, H5Path: it.H5Path, H5Domain: it.H5Domain}
	l.Class = schema.InferLinkClass(l.ID, l.H5Path, l.H5Domain)
	if l.Class == "" {
		return l, httpErr(http.StatusBadRequest, "link %s needs id, h5path or h5path and h5domain", title)
	}
	if err := l.Validate(); err != nil {
		return l, badRequest(err)
	}
	return l, nil
}

// putOneLink creates link title in g and reports whether it was new (201) or identical (200).
func (s *Server) putOneLink(r *http.Request, rq *request, g *schema.Group, title string, it linkItem) (bool, error) {
	l, err := s.toLink(rq.f.RootID(), title, it)
	if err != nil {
		return false, err
	}
	if l.Class == schema.LinkHard {
		// No dangling hard links: the target must be stored, in this domain.
		if err := rq.f.CheckObject(r.Context(), l.ID); err != nil {
			if errors.Is(err, hdf.ErrNotFound) {
				return false, httpErr(http.StatusNotFound, "hard link %s: no object %s in this domain", title, l.ID)
			}
			return false, err
		}
	}
	_, existed := g.Links[title]
	if err := rq.f.Link(r.Context(), g.ID, title, l); err != nil {
		if errors.Is(err, hdf.ErrExists) {
			return false, httpErr(http.StatusConflict, "link %s already exists with a different target", title)
		}
		return false, err
	}
	s.untomb("link:" + g.ID + "/" + title)
	return !existed, nil
}

func (s *Server) putLink(w http.ResponseWriter, r *http.Request) error {
	rq, g, err := s.groupForLinks(r, actCreate)
	if err != nil {
		return err
	}
	body, err := readBody(r, maxJSONBody)
	if err != nil {
		return err
	}
	var it linkItem
	if err := pyjson.Unmarshal(body, &it); err != nil {
		return httpErr(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	created, err := s.putOneLink(r, rq, g, r.PathValue("title"), it)
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, obj("hrefs", []any{})) // link_sn.py PUT_Link: {"hrefs": []}
}

func (s *Server) putLinks(w http.ResponseWriter, r *http.Request) error {
	rq, g, err := s.groupForLinks(r, actCreate)
	if err != nil {
		return err
	}
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	var links map[string]linkItem
	if _, err := field(body, "links", &links); err != nil {
		return err
	}
	targets := map[string]map[string]linkItem{}
	if raw, ok := body["grp_ids"]; ok {
		var list []string
		var multi map[string]struct {
			Links map[string]linkItem `json:"links"`
		}
		if json.Unmarshal(raw, &list) == nil {
			for _, id := range list {
				targets[id] = links
			}
		} else if err := json.Unmarshal(raw, &multi); err == nil {
			for id, v := range multi {
				targets[id] = v.Links
			}
		} else {
			return httpErr(http.StatusBadRequest, "grp_ids must be a list of ids or an object")
		}
	} else {
		targets[g.ID] = links
	}
	if len(targets) == 0 {
		return httpErr(http.StatusBadRequest, "no links in the body")
	}
	created := false
	for _, gid := range sortedNames(targets) {
		tg := g
		if gid != g.ID {
			if err := checkID(gid, schema.KindGroup); err != nil {
				return err
			}
			if tg, err = rq.f.Group(r.Context(), gid); err != nil {
				return s.objectGone(gid, err)
			}
		}
		for _, t := range sortedNames(targets[gid]) {
			c, err := s.putOneLink(r, rq, tg, t, targets[gid][t])
			if err != nil {
				return err
			}
			created = created || c
		}
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, obj())
}

// postLinks answers POST /groups/{id}/links as HSDS's POST_Links (link_sn.py): the body names
// titles (of the route's group, or of each group of a grp_ids list), grp_ids as a list (all
// links of each, or the titles) or as an object of id -> titles. One group without
// follow_links answers {"links": [...]}; several groups, or follow_links (every group reached
// through hard links too), answer {"links": {id: [...]}}. Limit, CreateOrder and follow_links
// cannot be combined with titles.
func (s *Server) postLinks(w http.ResponseWriter, r *http.Request) error {
	rq, g, err := s.groupForLinks(r, actRead)
	if err != nil {
		return err
	}
	ctx := r.Context()
	body, err := decodeBody(r)
	if err != nil {
		return err
	}
	var titles []string
	hasTitles, err := field(body, "titles", &titles)
	if err != nil {
		return httpErr(http.StatusBadRequest, "titles must be a list of link names")
	}
	rawIDs, hasIDs := body["grp_ids"]
	if !hasTitles && !hasIDs {
		return httpErr(http.StatusBadRequest, "POST links needs titles or grp_ids in the body")
	}
	follow := hsdsBoolParam(r, "follow_links")
	if hasTitles {
		switch {
		case follow:
			return httpErr(http.StatusBadRequest, "titles cannot be used with follow_links")
		case r.URL.Query().Get("Limit") != "":
			return httpErr(http.StatusBadRequest, "Limit cannot be used with titles")
		case hsdsBoolParam(r, "CreateOrder"):
			return httpErr(http.StatusBadRequest, "CreateOrder cannot be used with titles")
		}
	}
	items := map[string][]string{} // group id -> titles (nil: every link)
	var order []string
	add := func(id string, t []string) {
		if _, ok := items[id]; !ok {
			order = append(order, id)
		}
		items[id] = t
	}
	if !hasIDs {
		add(g.ID, titles)
	} else {
		var list []string
		var byID map[string][]string
		switch {
		case json.Unmarshal(rawIDs, &list) == nil:
			for _, id := range list {
				add(id, titles)
			}
		case json.Unmarshal(rawIDs, &byID) == nil:
			if hasTitles {
				return httpErr(http.StatusBadRequest, "titles cannot be given when grp_ids is an object")
			}
			for _, id := range sortedNames(byID) {
				if byID[id] == nil {
					return httpErr(http.StatusBadRequest, "grp_ids[%q] must be a list of titles", id)
				}
				add(id, byID[id])
			}
		default:
			return httpErr(http.StatusBadRequest, "grp_ids must be a list of group ids or an object of group id -> titles")
		}
	}
	if len(items) == 0 {
		return httpErr(http.StatusBadRequest, "no group ids given")
	}
	groups := map[string]*schema.Group{g.ID: g}
	group := func(id string) (*schema.Group, error) {
		if sg, ok := groups[id]; ok {
			return sg, nil
		}
		if err := checkID(id, schema.KindGroup); err != nil {
			return nil, err
		}
		if err := rq.f.CheckMember(ctx, id); err != nil {
			return nil, err
		}
		sg, err := rq.f.Group(ctx, id)
		if err != nil {
			return nil, s.objectGone(id, err)
		}
		groups[id] = sg
		return sg, nil
	}
	linksOf := func(sg *schema.Group, want []string) ([]*jobj, error) {
		if want == nil {
			return s.filterStoredLinks(r, sg)
		}
		out := make([]*jobj, 0, len(want))
		for _, t := range want {
			if err := hdf.ValidateName(t); err != nil {
				return nil, badRequest(err)
			}
			l, ok := sg.Links[t]
			if !ok {
				return nil, s.linkMissing(sg.ID, t)
			}
			out = append(out, storedLinkJSON(t, l))
		}
		return out, nil
	}
	if len(items) == 1 && !follow {
		sg, err := group(order[0])
		if err != nil {
			return err
		}
		links, err := linksOf(sg, items[order[0]])
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, obj("links", links))
	}
	out := &jobj{}
	seen := map[string]bool{}
	queue := append([]string(nil), order...)
	for _, id := range order {
		seen[id] = true
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		sg, err := group(id)
		if err != nil {
			return err
		}
		links, err := linksOf(sg, items[id])
		if err != nil {
			return err
		}
		out.set(id, links)
		if !follow {
			continue
		}
		for _, t := range sortedNames(sg.Links) {
			l := sg.Links[t]
			if l.Class != schema.LinkHard || schema.Kind(l.ID) != schema.KindGroup || seen[l.ID] {
				continue
			}
			seen[l.ID] = true
			queue = append(queue, l.ID)
		}
	}
	return writeJSON(w, http.StatusOK, obj("links", out))
}

// filterStoredLinks is filterLinks (pattern, CreateOrder, Limit) with the links as the data
// node returns them.
func (s *Server) filterStoredLinks(r *http.Request, g *schema.Group) ([]*jobj, error) {
	titles := orderedTitles(r, g)
	if pat := r.URL.Query().Get("pattern"); pat != "" {
		var keep []string
		for _, t := range titles {
			ok, err := path.Match(pat, t)
			if err != nil {
				return nil, httpErr(http.StatusBadRequest, "invalid pattern %q: %v", pat, err)
			}
			if ok {
				keep = append(keep, t)
			}
		}
		titles = keep
	}
	limit, err := intParam(r, "Limit", 0)
	if err != nil {
		return nil, err
	}
	if limit > 0 && len(titles) > limit {
		titles = titles[:limit]
	}
	out := make([]*jobj, 0, len(titles))
	for _, t := range titles {
		out = append(out, storedLinkJSON(t, g.Links[t]))
	}
	return out, nil
}

func (s *Server) deleteLinks(w http.ResponseWriter, r *http.Request) error {
	sep := r.URL.Query().Get("separator")
	if sep == "" {
		sep = "/"
	}
	titles := r.URL.Query().Get("titles")
	if titles == "" {
		return httpErr(http.StatusBadRequest, "DELETE links needs the titles parameter")
	}
	return s.unlink(w, r, strings.Split(titles, sep))
}

func (s *Server) deleteLink(w http.ResponseWriter, r *http.Request) error {
	return s.unlink(w, r, []string{r.PathValue("title")})
}

func (s *Server) unlink(w http.ResponseWriter, r *http.Request, titles []string) error {
	rq, g, err := s.groupForLinks(r, actDelete)
	if err != nil {
		return err
	}
	for _, t := range titles {
		if _, ok := g.Links[t]; !ok {
			return s.linkMissing(g.ID, t)
		}
	}
	if err := rq.f.Unlink(r.Context(), g.ID, titles...); err != nil {
		return err
	}
	for _, t := range titles {
		s.tombstone("link:" + g.ID + "/" + t)
	}
	return writeJSON(w, http.StatusOK, obj())
}
