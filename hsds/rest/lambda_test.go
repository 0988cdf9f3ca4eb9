package rest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/selection"
	"github.com/hsfan/hsfan/hsds/store"
)

// lambdaFixture is a domain like the seed-000 example: a float32 (time, y, x) dataset large
// enough for select=[0:100,620,1401], with the touched column written.
func lambdaFixture(t *testing.T) (store.Store, string, *hdf.Dataset) {
	t.Helper()
	ctx := context.Background()
	st := store.NewMemory()
	dom := "/nrel/wtk-us.h5"
	if _, err := hdf.Create(ctx, st, testBucket, "/nrel", hdf.CreateOptions{Owner: "admin", Folder: true}); err != nil {
		t.Fatal(err)
	}
	f, err := hdf.Create(ctx, st, testBucket, dom, hdf.CreateOptions{Owner: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetACL(ctx, "default", schemaRead()); err != nil {
		t.Fatal(err)
	}
	d, err := f.CreateDataset(ctx, f.RootID(), "windspeed_100m", hdf.DatasetSpec{
		Type: json.RawMessage(`"H5T_IEEE_F32LE"`), Dims: []int{200, 800, 1600},
		ChunkDims: []int{50, 100, 100}, ExactChunks: true, Filters: json.RawMessage(`["gzip"]`)})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := selection.Parse("[0:200,600:650,1400:1402]", d.Dims)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, sel.Count()*4)
	for i := 0; i < int(sel.Count()); i++ {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(float32(i)*0.25-3))
	}
	if err := d.Write(ctx, sel, data, 0); err != nil {
		t.Fatal(err)
	}
	return st, dom, d
}

func newLambdaServer(t *testing.T, st store.Store) *Server {
	t.Helper()
	srv, err := New(Config{Store: st, Bucket: "other", Lambda: true, LambdaFunction: "hslambda"})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

type lambdaOut struct {
	IsBase64Encoded bool            `json:"isBase64Encoded"`
	StatusCode      int             `json:"statusCode"`
	Headers         string          `json:"headers"`
	Body            json.RawMessage `json:"body"`
}

func invoke(t *testing.T, srv *Server, event string) lambdaOut {
	t.Helper()
	b, err := HandleLambdaEvent(context.Background(), srv, []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	var out lambdaOut
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("payload %.300s: %v", b, err)
	}
	return out
}

func TestLambdaSeed000(t *testing.T) {
	st, dom, d := lambdaFixture(t)
	srv := newLambdaServer(t, st)
	event := `{"method": "GET", "path": "/datasets/` + d.ID + `/value", "headers": {"accept": "application/octet-stream"},
		"params": {"domain": "` + dom + `", "select": "[0:100,620,1401]", "bucket": "` + testBucket + `"}}`
	out := invoke(t, srv, event)
	if out.StatusCode != 200 || !out.IsBase64Encoded {
		t.Fatalf("status %d base64 %v body %.200s", out.StatusCode, out.IsBase64Encoded, out.Body)
	}
	var hexBody string
	if err := json.Unmarshal(out.Body, &hexBody); err != nil {
		t.Fatal(err)
	}
	sel, _ := selection.Parse("[0:100,620,1401]", d.Dims)
	want, _, err := d.Read(context.Background(), sel, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hexBody) != 2*len(want) || len(want) != 400 {
		t.Fatalf("hex body %d chars for %d bytes", len(hexBody), len(want))
	}
	got, err := hex.DecodeString(hexBody)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("hex body does not decode to the dataset bytes: %v", err)
	}
	if math.Float32frombits(binary.LittleEndian.Uint32(got)) == 0 {
		t.Errorf("expected written data, got zeros")
	}
	var hdr map[string]string
	if err := json.Unmarshal([]byte(out.Headers), &hdr); err != nil {
		t.Fatalf("headers is not a JSON-encoded string: %v", err)
	}
	if hdr["Content-Type"] != "application/octet-stream" || hdr["Content-Length"] != "400" || strings.Contains(strings.ToLower(hdr["Server"]), "python") {
		t.Errorf("headers %v", hdr)
	}
}

func TestLambdaEnvelope(t *testing.T) {
	st, dom, d := lambdaFixture(t)
	srv := newLambdaServer(t, st)
	// JSON bodies come back as objects.
	out := invoke(t, srv, `{"path": "/datasets/`+d.ID+`", "params": {"domain": "`+testBucket+dom+`"}}`)
	var m map[string]any
	if out.StatusCode != 200 || out.IsBase64Encoded || json.Unmarshal(out.Body, &m) != nil || m["id"] != d.ID {
		t.Fatalf("JSON envelope %d %.200s", out.StatusCode, out.Body)
	}
	// Errors are the string {"statusCode": 404}.
	out = invoke(t, srv, `{"method": "GET", "path": "/datasets/d-00000000-00000000-0000-000000-000000", "params": {"domain": "`+testBucket+dom+`"}}`)
	var s string
	if out.StatusCode != 404 || json.Unmarshal(out.Body, &s) != nil || s != `{"statusCode": 404}` {
		t.Errorf("404 envelope %d %s", out.StatusCode, out.Body)
	}
	// More than 6 MB of hex becomes 413 so the client pages.
	out = invoke(t, srv, `{"path": "/datasets/`+d.ID+`/value", "headers": {"Accept": "application/octet-stream"},
		"params": {"domain": "`+testBucket+dom+`", "select": "[0:200,0:800,1390:1400]"}}`)
	if out.StatusCode != 413 {
		t.Errorf("large selection: %d", out.StatusCode)
	}
	// The function name is an admin user with password "lambda".
	out = invoke(t, srv, `{"method": "PUT", "path": "/", "params": {"domain": "`+testBucket+`/nrel/new.h5"},
		"headers": {"Authorization": "Basic `+basic("hslambda", "lambda")+`"}, "body": "{}"}`)
	if out.StatusCode != 201 {
		t.Errorf("PUT as lambda user: %d %s", out.StatusCode, out.Body)
	}
	out = invoke(t, srv, `{"method": "PUT", "path": "/", "params": {"domain": "`+testBucket+`/nrel/new2.h5"}}`)
	if out.StatusCode != 401 {
		t.Errorf("anonymous PUT: %d", out.StatusCode)
	}
	out = invoke(t, srv, `{"method": "GET", "path": "/about", "body": "{}"}`)
	var fail map[string]any
	b, _ := HandleLambdaEvent(context.Background(), srv, []byte(`{"method": "GET", "path": "/about", "body": "{}"}`))
	if json.Unmarshal(b, &fail) != nil || fail["status_code"] != float64(400) {
		t.Errorf("GET with body: %s", b)
	}
	b, _ = HandleLambdaEvent(context.Background(), srv, []byte(`not json`))
	if !strings.Contains(string(b), `"status_code":400`) {
		t.Errorf("bad event: %s", b)
	}
}

func TestAPIGatewayEvent(t *testing.T) {
	st, dom, d := lambdaFixture(t)
	srv := newLambdaServer(t, st)
	ev := `{"version": "2.0", "rawPath": "/datasets/` + d.ID + `/value", "rawQueryString": "domain=` + testBucket + dom + `&select=%5B0:4,620,1401%5D",
		"headers": {"accept": "application/octet-stream"}, "requestContext": {"http": {"method": "GET", "path": "/datasets/` + d.ID + `/value"}}, "isBase64Encoded": false}`
	b, err := HandleLambdaEvent(context.Background(), srv, []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	// json.dumps(body): a JSON string holding the JSON-quoted hex string.
	var dumped string
	if err := json.Unmarshal(b, &dumped); err != nil {
		t.Fatalf("payload %s: %v", b, err)
	}
	var hexBody string
	if err := json.Unmarshal([]byte(dumped), &hexBody); err != nil || len(hexBody) != 32 {
		t.Fatalf("gateway body %q", dumped)
	}
	ev = `{"version": "2.0", "rawPath": "/about", "requestContext": {"http": {"method": "GET", "path": "/about"}}}`
	b, _ = HandleLambdaEvent(context.Background(), srv, []byte(ev))
	var about map[string]any
	if json.Unmarshal(b, &dumped) != nil || json.Unmarshal([]byte(dumped), &about) != nil || about["state"] != "READY" {
		t.Errorf("gateway about %s", b)
	}
}
