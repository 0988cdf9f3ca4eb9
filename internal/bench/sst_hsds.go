package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// The SST year as the real HSDS writes it (issue 14's headline figure is on these chunks: HSDS
// stores a shuffle+deflate dataset's chunks as c-blosc frames with the zlib codec and typesize
// 1, peers/README.md): copied through HSDS's REST API from the domain `hsfan gen sst` wrote, so
// that the values are the same int16 numbers the other systems reduce.
const (
	sstHSDSDir    = "hsds"               // the HSDS root inside the case's cache directory
	sstHSDSDomain = hsdsHome + "/sst.h5" // the domain HSDS writes
)

// sstObject is a dataset or group of the source domain to copy.
type sstObject struct {
	Title, Collection, ID string
}

// writeSSTViaHSDS copies the domain sstDomain of the hsfan store under dir (bucket sstBucket)
// into a new HSDS root dir/hsds: `hsfan serve` reads it, the real HSDS writes it, dataset by
// dataset (type, shape, chunk layout, filters, fill value), every attribute except references
// (dimension scales' DIMENSION_LIST/REFERENCE_LIST; CLASS and NAME are copied), and the values,
// a day at a time for /analysed_sst; then HSDS flushes and stops.
func writeSSTViaHSDS(ctx context.Context, env *Env, dir string) error {
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fmt.Errorf("sst via HSDS: %w", err)
	}
	src, err := startHsfanServe(ctx, env, dir, sstBucket, filepath.Join(logDir, "hsfan-serve.log"))
	if err != nil {
		return err
	}
	defer src.stop()
	p, err := startHSDS(ctx, env, filepath.Join(dir, sstHSDSDir))
	if err != nil {
		return err
	}
	err = copySST(ctx, client{base: src.url, c: &http.Client{Timeout: 5 * time.Minute}}, client{base: p.url, c: &http.Client{Timeout: 5 * time.Minute}})
	if serr := p.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("sst via HSDS: %w", err)
	}
	return nil
}

func getJSON(ctx context.Context, cl client, path string, q url.Values, v any) error {
	b, err := cl.want(ctx, []int{200}, http.MethodGet, path, q, nil, false)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

func copySST(ctx context.Context, src, dst client) error {
	sq := url.Values{"domain": {sstDomain}}
	dq := url.Values{"domain": {sstHSDSDomain}}
	var sdom, ddom struct{ Root string }
	if err := getJSON(ctx, src, "/", sq, &sdom); err != nil {
		return err
	}
	if _, err := dst.want(ctx, []int{201}, http.MethodPut, "/", dq, nil, false); err != nil {
		return err
	}
	if err := getJSON(ctx, dst, "/", dq, &ddom); err != nil {
		return err
	}
	var links struct {
		Links []sstObject `json:"links"`
	}
	if err := getJSON(ctx, src, "/groups/"+sdom.Root+"/links", sq, &links); err != nil {
		return err
	}
	if err := copyAttributes(ctx, src, dst, "groups", sdom.Root, ddom.Root); err != nil {
		return err
	}
	for _, l := range links.Links {
		if l.Collection != "datasets" {
			return fmt.Errorf("link %s: a %s, the SST domain has datasets only", l.Title, l.Collection)
		}
		var ds struct {
			Type  json.RawMessage `json:"type"`
			Shape struct {
				Dims []int `json:"dims"`
			} `json:"shape"`
			// The chunk layout: at the top level of a GET, in creationProperties of a POST.
			Layout json.RawMessage `json:"layout"`
			CP     struct {
				Layout    json.RawMessage `json:"layout,omitempty"`
				Filters   json.RawMessage `json:"filters,omitempty"`
				FillValue json.RawMessage `json:"fillValue,omitempty"`
			} `json:"creationProperties"`
		}
		if err := getJSON(ctx, src, "/datasets/"+l.ID, sq, &ds); err != nil {
			return err
		}
		ds.CP.Layout = ds.Layout
		body, err := json.Marshal(map[string]any{"type": ds.Type, "shape": ds.Shape.Dims, "creationProperties": ds.CP,
			"link": map[string]string{"id": ddom.Root, "name": l.Title}})
		if err != nil {
			return err
		}
		b, err := dst.want(ctx, []int{201}, http.MethodPost, "/datasets", dq, body, false)
		if err != nil {
			return err
		}
		var made struct{ ID string }
		if err := json.Unmarshal(b, &made); err != nil {
			return fmt.Errorf("dataset %s: %w", l.Title, err)
		}
		if err := copyAttributes(ctx, src, dst, "datasets", l.ID, made.ID); err != nil {
			return fmt.Errorf("dataset %s: %w", l.Title, err)
		}
		// The values: a day (a chunk) at a time along the first dimension.
		step := 1
		if len(ds.Shape.Dims) == 1 {
			step = ds.Shape.Dims[0]
		}
		for i := 0; i < ds.Shape.Dims[0]; i += step {
			sel := fmt.Sprintf("[%d:%d", i, i+step)
			for range ds.Shape.Dims[1:] {
				sel += ",:"
			}
			sel += "]"
			v, err := src.want(ctx, []int{200}, http.MethodGet, "/datasets/"+l.ID+"/value", url.Values{"domain": {sstDomain}, "select": {sel}}, nil, true)
			if err != nil {
				return err
			}
			if _, err := dst.want(ctx, []int{200}, http.MethodPut, "/datasets/"+made.ID+"/value", url.Values{"domain": {sstHSDSDomain}, "select": {sel}}, v, true); err != nil {
				return err
			}
		}
	}
	if _, err := dst.want(ctx, []int{200, 204}, http.MethodPut, "/", dq, []byte(`{"flush": 1}`), false); err != nil {
		return err
	}
	return nil
}

// copyAttributes copies every attribute of a group or dataset except those holding references.
func copyAttributes(ctx context.Context, src, dst client, collection, from, to string) error {
	var attrs struct {
		Attributes []struct {
			Name  string          `json:"name"`
			Type  json.RawMessage `json:"type"`
			Shape struct {
				Class string `json:"class"`
				Dims  []int  `json:"dims"`
			} `json:"shape"`
			Value json.RawMessage `json:"value"`
		} `json:"attributes"`
	}
	if err := getJSON(ctx, src, "/"+collection+"/"+from+"/attributes", url.Values{"domain": {sstDomain}, "IncludeData": {"1"}}, &attrs); err != nil {
		return err
	}
	for _, a := range attrs.Attributes {
		var t struct {
			Class string          `json:"class"`
			Base  json.RawMessage `json:"base"`
		}
		_ = json.Unmarshal(a.Type, &t)
		if t.Class == "H5T_REFERENCE" || t.Class == "H5T_VLEN" && containsReference(t.Base) {
			continue
		}
		body := map[string]any{"type": a.Type, "value": a.Value}
		if a.Shape.Class != "H5S_SCALAR" {
			body["shape"] = a.Shape.Dims
		}
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		if _, err := dst.want(ctx, []int{201}, http.MethodPut, "/"+collection+"/"+to+"/attributes/"+url.PathEscape(a.Name), url.Values{"domain": {sstHSDSDomain}}, b, false); err != nil {
			return fmt.Errorf("attribute %s: %w", a.Name, err)
		}
	}
	return nil
}

func containsReference(base json.RawMessage) bool {
	var t struct {
		Class string `json:"class"`
	}
	return json.Unmarshal(base, &t) == nil && t.Class == "H5T_REFERENCE"
}
