package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hsfan/hsfan/hsds/pyjson"
)

// verifiedDomain is the stored .domain.json from hsds-format.md 1.2 with the
// elided ACL flags filled in.
const verifiedDomain = `{"root": "g-b30ad98c-55a249ba-3b82-5104dd-2ac132", "owner": "test_user1", "acls": {"test_user1": {"create": true, "read": true, "update": true, "delete": true, "readACL": true, "updateACL": true}}, "created": 1795315537.888309, "lastModified": 1795315537.888309}`

func TestDomainRoundTripBytes(t *testing.T) {
	var d Domain
	if err := json.Unmarshal([]byte(verifiedDomain), &d); err != nil {
		t.Fatal(err)
	}
	if d.Root != exRoot || d.Owner != "test_user1" || d.Created != 1795315537.888309 || !d.ACLs["test_user1"].UpdateACL || d.IsFolder() {
		t.Fatalf("decoded %+v", d)
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != verifiedDomain {
		t.Fatalf("Marshal =\n%s\nwant\n%s", out, verifiedDomain)
	}
}

func TestDomainKeepsUnknownFields(t *testing.T) {
	in := `{"owner": "admin", "acls": {"default": {"create": false, "read": true, "update": false, "delete": false, "readACL": false, "updateACL": false}}, "created": 1700000000.0, "lastModified": 1700000001.5, "x-future": {"a": [1, 2]}, "note": "héllo"}`
	var d Domain
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if !d.IsFolder() || len(d.Extra) != 2 || d.Extra[0].Name != "x-future" {
		t.Fatalf("decoded %+v", d)
	}
	out, err := Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, "héllo", `h\u00e9llo`, 1)
	if string(out) != want {
		t.Fatalf("Marshal =\n%s\nwant\n%s", out, want)
	}
}

func TestDomainErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not object": `[1]`,
		"bad root":   `{"root": "g-123", "owner": "a"}`,
		"bad owner":  `{"owner": 5}`,
		"bad acls":   `{"owner": "a", "acls": {"a": {"read": "yes"}}}`,
		"bad time":   `{"owner": "a", "created": "now"}`,
		"trailing":   `{"owner": "a"} x`,
	} {
		t.Run(name, func(t *testing.T) {
			var d Domain
			if err := json.Unmarshal([]byte(in), &d); err == nil {
				t.Fatalf("accepted %s", in)
			}
		})
	}
}

const groupJSON = `{"id": "g-b30ad98c-55a249ba-3b82-5104dd-2ac132", "root": "g-b30ad98c-55a249ba-3b82-5104dd-2ac132", "created": 1795315537.9, "lastModified": 1795315540.25, "links": {"int2d": {"id": "d-b30ad98c-55a249ba-932f-5e1c38-222ec1", "class": "H5L_TYPE_HARD", "created": 1795315538.5}, "soft": {"h5path": "/int2d", "class": "H5L_TYPE_SOFT", "created": 1795315539.0}, "ext": {"h5path": "/x", "h5domain": "/home/test_user1/other.h5", "class": "H5L_TYPE_EXTERNAL", "created": 1795315539.5}}, "attributes": {"units": {"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 5}, "shape": {"class": "H5S_SCALAR"}, "value": "meter", "created": 1795315543.52}}, "creationProperties": {"CreateOrder": 1}}`

func TestGroupRoundTrip(t *testing.T) {
	var g Group
	if err := json.Unmarshal([]byte(groupJSON), &g); err != nil {
		t.Fatal(err)
	}
	if g.Links["int2d"].Class != LinkHard || g.Links["int2d"].ID != exDset ||
		g.Links["soft"].H5Path != "/int2d" || g.Links["ext"].H5Domain != "/home/test_user1/other.h5" {
		t.Fatalf("links %+v", g.Links)
	}
	a := g.Attributes["units"]
	if a.Shape.Class != ShapeScalar || string(a.Value) != `"meter"` || a.Created != 1795315543.52 {
		t.Fatalf("attribute %+v", a)
	}
	out, err := Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	// Maps come out sorted by key; compare structurally and spot-check bytes.
	var g2 Group
	if err := json.Unmarshal(out, &g2); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g, g2, cmpopts.EquateEmpty(), cmp.Comparer(rawEqual)); diff != "" {
		t.Fatalf("round trip diff: %s", diff)
	}
	for _, frag := range []string{
		`"int2d": {"id": "d-b30ad98c-55a249ba-932f-5e1c38-222ec1", "class": "H5L_TYPE_HARD", "created": 1795315538.5}`,
		`"soft": {"h5path": "/int2d", "class": "H5L_TYPE_SOFT", "created": 1795315539.0}`,
		`"units": {"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "strPad": "H5T_STR_NULLPAD", "length": 5}, "shape": {"class": "H5S_SCALAR"}, "value": "meter", "created": 1795315543.52}`,
		`"creationProperties": {"CreateOrder": 1}`,
	} {
		if !strings.Contains(string(out), frag) {
			t.Errorf("output lacks %s\n%s", frag, out)
		}
	}
	if strings.Contains(string(out), "\n") {
		t.Error("output is not one line")
	}
}

func rawEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func TestGroupErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no id":         `{"root": "` + exRoot + `"}`,
		"dataset id":    `{"id": "` + exDset + `", "root": "` + exRoot + `"}`,
		"bad link":      `{"id": "` + exRoot + `", "root": "` + exRoot + `", "links": {"a": {"class": "H5L_TYPE_HARD", "id": "nope"}}}`,
		"unknown class": `{"id": "` + exRoot + `", "root": "` + exRoot + `", "links": {"a": {"class": "H5L_TYPE_WEIRD", "h5path": "/x"}}}`,
		"bad attr":      `{"id": "` + exRoot + `", "root": "` + exRoot + `", "attributes": {"a": {"type": "H5T_STD_I32LE"}}}`,
		"links list":    `{"id": "` + exRoot + `", "root": "` + exRoot + `", "links": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			var g Group
			err := json.Unmarshal([]byte(in), &g)
			if err == nil {
				t.Fatalf("accepted %s", in)
			}
			if !strings.HasPrefix(err.Error(), "group") {
				t.Fatalf("error %q does not name the group", err)
			}
		})
	}
}

func TestLinkClassInference(t *testing.T) {
	var l Link
	if err := json.Unmarshal([]byte(`{"h5path": "/a", "h5domain": "/home/x.h5"}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Class != LinkExternal {
		t.Fatalf("class %q", l.Class)
	}
}

func TestDatatypeRoundTrip(t *testing.T) {
	in := `{"id": "` + exType + `", "root": "` + exRoot + `", "created": 1.5, "lastModified": 2.0, "type": {"class": "H5T_FLOAT", "base": "H5T_IEEE_F32LE"}, "attributes": {}}`
	var dt Datatype
	if err := json.Unmarshal([]byte(in), &dt); err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(dt)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != in {
		t.Fatalf("Marshal =\n%s\nwant\n%s", out, in)
	}
	if err := json.Unmarshal([]byte(`{"id": "`+exType+`", "root": "`+exRoot+`"}`), &dt); err == nil {
		t.Fatal("datatype without type accepted")
	}
}

func TestPyFloat(t *testing.T) {
	for in, want := range map[float64]string{
		1795315537.888309: "1795315537.888309",
		1700000000:        "1700000000.0",
		0:                 "0.0",
		0.5:               "0.5",
		1e-7:              "1e-07",
	} {
		got := string(pyjson.AppendFloat(nil, in, false)) // stored timestamps
		if in == 1e-7 {
			if got != "1e-07" {
				t.Errorf("pyFloat(%v) = %s", in, got)
			}
			continue
		}
		if got != want {
			t.Errorf("pyFloat(%v) = %s, want %s", in, got, want)
		}
	}
	if n := Now(); n < 1.7e9 {
		t.Fatalf("Now() = %v", n)
	}
}
