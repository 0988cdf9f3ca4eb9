package interop

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Comparing one REST request's answers from the real HSDS and from hsfan serve.
//
// Both answers must have the same status. Binary answers must be byte for byte equal. JSON
// answers are compared as values (diffValues: numbers by value, objects by key set) after both
// are normalised the same way; error answers (status >= 400) only by status and the "<code>: "
// prefix of their text. What the normalisation ignores, and why:
//
//   - created, lastModified, start_time: timestamps of the server's clock; only the key's
//     presence and that it is a number is compared.
//   - dn_ids and the verbose domain summary (topologyKeys): server topology and HSDS's
//     asynchronous scan; only presence is compared.
//   - the order of the id lists of GET /groups, /datasets, /datatypes: sorted by id, and ids are
//     random per server; compared as sets of names.
//   - object ids (g-, d-, t- ...): random per server; every id a scenario saved (root, dset, ...)
//     becomes its name ({root}), any other id {id}. Ids are replaced in keys too (domain_objs).
//   - the domain path: each server gets its own domain (HSDS caches metadata, so the two cannot
//     share one); it becomes {domain}, also inside hrefs and the bucket-qualified form.
//   - the scheme and host of every href: HSDS writes its configured endpoint
//     (http://localhost:PORT), hsfan the request's host; the path and the decoded query are
//     compared (HSDS writes ?domain=/home/..., hsfan ?domain=%2Fhome%2F...: the same URL).
//   - the reason text of errors: hsfan's reasons name the problem and the allowed values (the
//     project's rule for bad input), HSDS's are terse; the status and the "<code>: " form are
//     compared.
//   - Content-Type parameters other than the media type: compared are the media type of both
//     answers (application/json, application/octet-stream, text/plain).
//
// Nothing else is ignored: a key one server sends and the other does not is a difference.

// timeKeys are the members whose values are server clock readings.
var timeKeys = map[string]bool{"created": true, "lastModified": true, "start_time": true}

// topologyKeys are members whose values describe the server, not the data: HSDS's data node
// ids (hsfan has one node), and the verbose domain summary, which HSDS takes from its
// asynchronous domain scan (.info.json, written some seconds after a change: hsds-format.md
// 1.11), so that its numbers depend on timing. Their presence is compared, not their values.
var topologyKeys = map[string]bool{"dn_ids": true, "num_groups": true, "num_datasets": true, "num_datatypes": true,
	"num_objects": true, "total_size": true, "allocated_bytes": true, "metadata_bytes": true, "linked_bytes": true,
	"num_chunks": true, "num_linked_chunks": true, "md5_sum": true, "scan_info": true, "allocated_size": true}

var (
	idRE   = regexp.MustCompile(`[gdtc]-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{6}-[0-9a-f]{6}`)
	hostRE = regexp.MustCompile(`^https?://[^/?]+`)
)

// normalizer rewrites one server's JSON answer for comparison.
type normalizer struct {
	repl *strings.Replacer
}

// newNormalizer replaces the server's domain and its saved ids by their names.
func newNormalizer(domain string, vars map[string]string) *normalizer {
	type kv struct{ k, v string }
	var pairs []kv
	for name, val := range vars {
		if idRE.MatchString(val) {
			pairs = append(pairs, kv{val, "{" + name + "}"})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return len(pairs[i].k) > len(pairs[j].k) })
	var args []string
	for _, p := range pairs {
		args = append(args, p.k, p.v)
	}
	args = append(args, domain, "{domain}", url.QueryEscape(domain), "{domain}")
	return &normalizer{repl: strings.NewReplacer(args...)}
}

func (n *normalizer) str(s string) string {
	s = n.repl.Replace(s)
	return idRE.ReplaceAllString(s, "{id}")
}

// norm returns v normalised (see the package comment of this file).
func (n *normalizer) norm(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if topologyKeys[k] {
				out[k] = "{server}"
				continue
			}
			out[n.str(k)] = n.norm(e, k)
		}
		for _, k := range []string{"groups", "datasets", "datatypes"} {
			if l, ok := out[k].([]any); ok && isStrings(l) {
				sort.Slice(l, func(i, j int) bool { return l[i].(string) < l[j].(string) })
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = n.norm(e, key)
		}
		return out
	case string:
		if key == "href" || key == "target" {
			x = canonicalHref(x)
		}
		return n.str(x)
	}
	if timeKeys[key] {
		if _, ok := number(v); ok {
			return "{time}"
		}
	}
	return v
}

// compareAnswers reports how the hsfan answer differs from HSDS's ("" when they agree).
func compareAnswers(hsds, hsfan *response, nh, nf *normalizer) string {
	if hsds.status != hsfan.status {
		return fmt.Sprintf("status: HSDS %d, hsfan %d\n  HSDS:  %s\n  hsfan: %s", hsds.status, hsfan.status, hsds, hsfan)
	}
	mh, mf := mediaType(hsds), mediaType(hsfan)
	if hsds.status >= 400 {
		prefix := fmt.Sprintf("%d: ", hsds.status)
		if !bytes.HasPrefix(hsfan.body, []byte(prefix)) {
			return fmt.Sprintf("error body: hsfan's does not start with %q: %s (HSDS: %s)", prefix, hsfan, hsds)
		}
		return ""
	}
	if mh != mf {
		return fmt.Sprintf("Content-Type: HSDS %q, hsfan %q\n  HSDS:  %s\n  hsfan: %s", hsds.header.Get("Content-Type"), hsfan.header.Get("Content-Type"), hsds, hsfan)
	}
	if mh != "application/json" {
		if !bytes.Equal(hsds.body, hsfan.body) {
			return fmt.Sprintf("body (%s) differs: HSDS %d bytes % x, hsfan %d bytes % x", mh, len(hsds.body), head(hsds.body), len(hsfan.body), head(hsfan.body))
		}
		return ""
	}
	if len(hsds.body) == 0 || len(hsfan.body) == 0 {
		if len(hsds.body) != len(hsfan.body) {
			return fmt.Sprintf("body: HSDS %q, hsfan %q", hsds.body, hsfan.body)
		}
		return ""
	}
	vh, err := parseJSON(hsds.body)
	if err != nil {
		return "HSDS: " + err.Error()
	}
	vf, err := parseJSON(hsfan.body)
	if err != nil {
		return "hsfan: " + err.Error()
	}
	if d := diffValues(nh.norm(vh, ""), nf.norm(vf, "")); d != "" {
		return fmt.Sprintf("JSON differs (HSDS is want, hsfan got): %s\n  HSDS:  %s\n  hsfan: %s", d, truncate(hsds.body, 600), truncate(hsfan.body, 600))
	}
	return ""
}

func isStrings(l []any) bool {
	for _, e := range l {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}

// canonicalHref drops an href's scheme and host and decodes its query: HSDS writes
// ?domain=/home/u/f.h5, hsfan ?domain=%2Fhome%2Fu%2Ff.h5, the same URL for every client.
func canonicalHref(h string) string {
	h = hostRE.ReplaceAllString(h, "")
	path, query, ok := strings.Cut(h, "?")
	if !ok {
		return h
	}
	if q, err := url.QueryUnescape(query); err == nil {
		query = q
	}
	return path + "?" + query
}

// mediaType is the media type of an answer ("" when it sent none).
func mediaType(r *response) string {
	ct := r.header.Get("Content-Type")
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}
