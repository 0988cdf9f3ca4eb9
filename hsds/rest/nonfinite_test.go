package rest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestNonFinite checks the non-finite forms of HSDS's JSON in requests and responses, with the
// answers the real HSDS 0.9.4 gives (TestPeerNonFinite compares them side by side).
func TestNonFinite(t *testing.T) {
	for name, mk := range backends(t) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, mk(t))
			dom := "/home/test_user1/nonfinite.h5"
			ids := map[string]string{}
			for _, r := range run(t, envClient{e}, dom, nonFiniteWrites, ids) {
				if r.code >= 300 && !strings.Contains(strings.ToLower(r.name), "i32") {
					t.Fatalf("%s: %d %s", r.name, r.code, r.body)
				}
			}
			cases := []struct {
				method, path string
				params       []string
				body         string
				code         int
				want         string // a substring of the response body
			}{
				{"GET", "/datasets/{f32}", nil, "", 200, `"creationProperties": {"fillValue": NaN`},
				{"GET", "/datasets/{f32}", []string{"ignore_nan", "1"}, "", 200, `"creationProperties": {"fillValue": "nan"`},
				{"GET", "/datasets/{f32}", []string{"ignore_nan", "0"}, "", 200, `"fillValue": "nan"`},    // any non-empty value
				{"GET", "/datasets/{f64}", []string{"ignore_nan", "1"}, "", 200, `"fillValue": Infinity`}, // only NaN becomes "nan"
				{"GET", "/datasets/{f64neg}", nil, "", 200, `"fillValue": -Infinity`},
				{"GET", "/datasets/{f32}/value", nil, "", 200, `"value": [1.5, NaN, -Infinity, Infinity, NaN, NaN]`},
				{"GET", "/datasets/{f32}/value", []string{"ignore_nan", "1"}, "", 200, `"value": [1.5, null, null, null, null, null]`},
				{"GET", "/datasets/{f32}/value", []string{"ignore_nan", "0"}, "", 200, `"value": [1.5, null, null, null, null, null]`},
				{"GET", "/datasets/{f64}/value", nil, "", 200, `"value": [Infinity, NaN, -2.5, Infinity, Infinity, Infinity]`},
				{"POST", "/datasets/{f32}/value", nil, `{"points": [1, 5]}`, 200, `"value": [NaN, NaN]`},
				{"POST", "/datasets/{f32}/value", []string{"ignore_nan", "1"}, `{"points": [1, 5]}`, 200, `"value": [null, null]`},
				{"GET", "/groups/{root}/attributes/a", nil, "", 200, `"value": [NaN, Infinity, -Infinity, 1.5]`},
				{"GET", "/groups/{g}/attributes/a", []string{"ignore_nan", "1"}, "", 200, `"value": [null, null, null, 1.5]`},
				{"GET", "/groups/{g}/attributes/a", []string{"ignore_nan", "0"}, "", 200, `"value": [NaN, Infinity, -Infinity, 1.5]`},
				{"GET", "/groups/{g}/attributes/a", []string{"ignore_nan", "false"}, "", 200, `"value": [null, null, null, 1.5]`},
				{"GET", "/groups/{root}/attributes/c", nil, "", 200, `"value": [NaN, 3]`},
				{"GET", "/datasets/{f32}/attributes/_FillValue/value", nil, "", 200, `"value": NaN`},
				{"GET", "/datasets/{f32}/attributes/_FillValue/value", []string{"ignore_nan", "1"}, "", 200, `"value": null`},
				{"GET", "/datasets/{f32}/attributes", []string{"IncludeData", "1"}, "", 200, `"value": [NaN, -Infinity, 2.5]`},
				{"POST", "/datasets/{f32}/attributes", []string{"IncludeData", "1", "ignore_nan", "0"}, `{"attr_names": ["a32"]}`, 200, `"value": [null, null, 2.5]`},
				{"GET", "/", []string{"getobjs", "T", "include_attrs", "T"}, "", 200, `"value": [NaN, Infinity, -Infinity, 1.5]`},
				// Integer types refuse non-finite numbers (HSDS: 400).
				{"POST", "/datasets", nil, `{"type": "H5T_STD_I8LE", "creationProperties": {"fillValue": Infinity}}`, 400, "not an integer"},
				{"PUT", "/groups/{root}/attributes/n", nil, `{"type": "H5T_STD_U16LE", "value": -Infinity}`, 400, "not an integer"},
				{"PUT", "/datasets/{i32}/value", nil, `{"value": [1, 2, NaN]}`, 400, "not an integer"},
				// A string equal to a reserved sentinel cannot be told from a token.
				{"PUT", "/groups/{root}/attributes/s", nil, `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}, "value": "\u0000NaN"}`, 400, "reserved"},
				// Tokens inside strings are strings.
				{"PUT", "/groups/{root}/attributes/t", nil, `{"type": {"class": "H5T_STRING", "charSet": "H5T_CSET_UTF8", "strPad": "H5T_STR_NULLTERM", "length": "H5T_VARIABLE"}, "value": "NaN -Infinity"}`, 201, ""},
				{"GET", "/groups/{root}/attributes/t", nil, "", 200, `"value": "NaN -Infinity"`},
			}
			for _, c := range cases {
				path := c.path
				for k, v := range ids {
					path = strings.ReplaceAll(path, "{"+k+"}", v)
				}
				var body any
				if c.body != "" {
					body = c.body
				}
				r := e.do(c.method, path, dom, q(c.params...), body, "test_user1")
				if r.code != c.code || !strings.Contains(string(r.body), c.want) {
					t.Errorf("%s %s %v: %d %.400s; want %d with %s", c.method, c.path, c.params, r.code, r.body, c.code, c.want)
				}
			}
		})
	}
}

// TestNonFiniteLambda sends a PUT attribute with NaN in an HSDS Lambda event body (an object in
// Python's dialect) and reads it back through an event: the response payload holds the tokens.
func TestNonFiniteLambda(t *testing.T) {
	e := newEnv(t, backends(t)["mem"](t))
	dom := "/home/test_user1/lambda_nan.h5"
	_, root := e.createDomain("lambda_nan.h5")
	auth := map[string]string{"Authorization": "Basic " + basic("test_user1", "test")}
	hb, _ := json.Marshal(auth)
	ev := `{"method": "PUT", "path": "/groups/` + root + `/attributes/a", "params": {"domain": "` + dom + `"}, "headers": ` + string(hb) +
		`, "body": {"type": "H5T_IEEE_F32LE", "shape": [3], "value": [NaN, Infinity, -Infinity]}}`
	out, err := HandleLambdaEvent(context.Background(), e.srv, []byte(ev))
	if err != nil || !strings.Contains(string(out), `"statusCode": 201`) {
		t.Fatalf("PUT attribute event: %v %s", err, out)
	}
	ev = `{"method": "GET", "path": "/groups/` + root + `/attributes/a", "params": {"domain": "` + dom + `"}, "headers": ` + string(hb) + `}`
	out, err = HandleLambdaEvent(context.Background(), e.srv, []byte(ev))
	if err != nil || !strings.Contains(string(out), `"value": [NaN, Infinity, -Infinity]`) {
		t.Fatalf("GET attribute event: %v %s", err, out)
	}
}
