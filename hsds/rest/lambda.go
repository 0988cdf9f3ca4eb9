package rest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/hsfan/hsfan/hsds/pyjson"
)

// MaxLambdaResponse is AWS Lambda's synchronous response payload limit (6 MB); larger answers
// become 413 so clients page.
const MaxLambdaResponse = 6291456

// lambdaEvent covers both the HSDS Lambda event and an API Gateway HTTP API v2 event.
type lambdaEvent struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Params  map[string]any    `json:"params"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`

	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	RequestContext        *struct {
		HTTP struct {
			Method string `json:"method"`
			Path   string `json:"path"`
		} `json:"http"`
	} `json:"requestContext"`
}

// HandleLambdaEvent answers an HSDS Lambda event {"method","path","params","headers","body"} or
// an API Gateway HTTP API v2 event by running it through srv (with User-Agent AWSLambda) and
// returns the response payload exactly as HSDS's lambda_function does:
// {"isBase64Encoded","statusCode","headers" (a JSON-encoded string),"body"}, with octet-stream
// bodies hex-encoded (isBase64Encoded true), JSON bodies as objects and errors as the string
// "{\"statusCode\": <code>}". API Gateway events get json.dumps(body) as a JSON string. A
// response larger than MaxLambdaResponse is replaced by a 413. The event and the response are in
// Python's JSON dialect (NaN, Infinity, -Infinity allowed), as HSDS reads and writes them.
func HandleLambdaEvent(ctx context.Context, srv http.Handler, payload []byte) ([]byte, error) {
	var ev lambdaEvent
	if err := pyjson.Unmarshal(payload, &ev); err != nil {
		return lambdaFail(http.StatusBadRequest, fmt.Sprintf("invalid event: %v", err))
	}
	gateway := ev.RequestContext != nil
	method, p := strings.ToUpper(ev.Method), ev.Path
	q := url.Values{}
	var body []byte
	if gateway {
		method, p = strings.ToUpper(ev.RequestContext.HTTP.Method), ev.RequestContext.HTTP.Path
		if ev.RawPath != "" {
			p = ev.RawPath
		}
		if ev.RawQueryString != "" {
			parsed, err := url.ParseQuery(ev.RawQueryString)
			if err != nil {
				return lambdaFail(http.StatusBadRequest, fmt.Sprintf("invalid rawQueryString: %v", err))
			}
			q = parsed
		} else {
			for k, v := range ev.QueryStringParameters {
				q.Set(k, v)
			}
		}
		if len(ev.Body) > 0 && string(ev.Body) != "null" {
			var s string
			if err := json.Unmarshal(ev.Body, &s); err != nil {
				return lambdaFail(http.StatusBadRequest, "body must be a string")
			}
			body = []byte(s)
			if ev.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return lambdaFail(http.StatusBadRequest, fmt.Sprintf("body: %v", err))
				}
				body = b
			}
		}
	} else {
		if method == "" {
			method = http.MethodGet
		}
		for k, v := range ev.Params {
			switch x := v.(type) {
			case string:
				q.Set(k, x)
			case nil:
			default:
				b, _ := json.Marshal(x)
				q.Set(k, strings.Trim(string(b), `"`))
			}
		}
		if len(ev.Body) > 0 && string(ev.Body) != "null" {
			if method != http.MethodPut && method != http.MethodPost {
				return lambdaFail(http.StatusBadRequest, "body is only allowed for PUT and POST")
			}
			var s string
			if json.Unmarshal(ev.Body, &s) == nil {
				body = []byte(s)
			} else {
				body = pyjson.FromStd(ev.Body) // a JSON object body, back in Python's dialect
			}
		}
	}
	if p == "" {
		p = "/"
	}
	if !strings.HasPrefix(p, "/") {
		return lambdaFail(http.StatusBadRequest, "path must start with '/'")
	}
	u := &url.URL{Path: p, RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return lambdaFail(http.StatusBadRequest, fmt.Sprintf("invalid request: %v", err))
	}
	req.Host = "127.0.0.1"
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "AWSLambda")
	rec := newEventResponse()
	srv.ServeHTTP(rec, req)
	out, err := lambdaResponse(rec, gateway)
	if err != nil {
		return nil, err
	}
	if len(out) > MaxLambdaResponse {
		rec = newEventResponse()
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rec.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(rec, "413: response of %d bytes exceeds the Lambda limit of %d bytes", len(out), MaxLambdaResponse)
		return lambdaResponse(rec, gateway)
	}
	return out, nil
}

// lambdaFail answers like HSDS's early validation errors: {"status_code": code, "error": msg}.
func lambdaFail(code int, msg string) ([]byte, error) {
	return json.Marshal(map[string]any{"status_code": code, "error": msg})
}

// lambdaResponse builds HSDS's invoke() result from a recorded response.
func lambdaResponse(rec *eventResponse, gateway bool) ([]byte, error) {
	code, header := rec.result()
	hdrs := obj()
	keys := make([]string, 0, len(header))
	for k := range header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		hdrs.set(k, header.Get(k))
	}
	if header.Get("Content-Length") == "" {
		hdrs.set("Content-Length", strconv.Itoa(rec.body.Len()))
	}
	hb, err := appendJSON(nil, hdrs)
	if err != nil {
		return nil, err
	}
	o := obj("isBase64Encoded", false, "statusCode", code, "headers", string(hb))
	var bodyVal any
	hasBody := false
	if code == http.StatusOK || code == http.StatusCreated {
		ct := header.Get("Content-Type")
		switch {
		case rec.body.Len() == 0:
		case strings.HasPrefix(ct, octet):
			o.set("isBase64Encoded", true)
			bodyVal, hasBody = hex.EncodeToString(rec.body.Bytes()), true
		default:
			bodyVal, hasBody = pyJSON(rec.body.Bytes()), true
		}
	} else {
		bodyVal, hasBody = fmt.Sprintf(`{"statusCode": %d}`, code), true
	}
	if gateway {
		if !hasBody {
			return json.Marshal("")
		}
		b, err := appendJSON(nil, bodyVal)
		if err != nil {
			return nil, err
		}
		return json.Marshal(string(b))
	}
	if hasBody {
		o.set("body", bodyVal)
	}
	return appendJSON(nil, o)
}
