package awsfake

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// function is one Lambda function of the fake account: its configuration as GetFunction's
// Configuration document, the image, the reserved concurrency and the polls left before an
// asynchronous create or update completes.
type function struct {
	config   map[string]any
	imageURI string
	resolved string // the image by digest when the code was deployed (Lambda pins it then)
	reserved *int
	pending  int
}

// jsonError writes a REST-JSON / JSON 1.1 error: the X-Amzn-Errortype header and a body with
// __type/Type and message (Lambda API Reference, "Errors").
func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "Type": "User", "message": msg, "Message": msg})
}

func jsonOK(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// bodyParams decodes a JSON body into its top-level keys and records each as compact JSON
// (objects with their keys sorted), strings unquoted.
func bodyParams(body []byte) (map[string]any, map[string]string, error) {
	m := map[string]any{}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, nil, err
		}
	}
	p := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			p[k] = s
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // record "<...>" as it came
		_ = enc.Encode(v)
		p[k] = strings.TrimSuffix(buf.String(), "\n")
	}
	return m, p, nil
}

var lambdaPathRE = regexp.MustCompile(`^/(20[0-9-]+)/functions(?:/([^/]+))?(?:/([a-z-]+))?$`)

func (f *Fake) serveLambda(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		jsonError(w, 400, "InvalidRequestContentException", err.Error())
		return
	}
	m := lambdaPathRE.FindStringSubmatch(r.URL.EscapedPath())
	if m == nil {
		jsonError(w, 404, "UnknownOperationException", "awsfake: no Lambda route "+r.Method+" "+r.URL.Path)
		return
	}
	name, _ := url.PathUnescape(m[2])
	op := lambdaOp(r.Method, m[2] != "", m[3])
	var in map[string]any
	var params map[string]string
	if op == "Invoke" {
		in, params = map[string]any{}, map[string]string{"Payload": string(body), "LogType": r.Header.Get("X-Amz-Log-Type"), "InvocationType": r.Header.Get("X-Amz-Invocation-Type")}
	} else if in, params, err = bodyParams(body); err != nil {
		jsonError(w, 400, "InvalidRequestContentException", "Could not parse request body into json: "+err.Error())
		return
	}
	if name != "" {
		params["FunctionName"] = name
	}
	f.record("lambda", op, params)
	if f.denied("iam:PassRole") && (op == "CreateFunction" || op == "UpdateFunctionConfiguration") {
		role, _ := in["Role"].(string)
		jsonError(w, 403, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: iam:PassRole on resource: %s", Account, role))
		return
	}
	if f.denied("lambda:" + op) {
		jsonError(w, 403, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: lambda:%s on resource: %s", Account, op, f.arnFor("lambda", "function:"+name)))
		return
	}
	if op == "CreateFunction" {
		f.lambdaCreate(w, in)
		return
	}
	fn := f.functions[name]
	if fn == nil {
		jsonError(w, 404, "ResourceNotFoundException", "Function not found: "+f.arnFor("lambda", "function:"+name))
		return
	}
	switch op {
	case "GetFunction":
		if fn.pending > 0 {
			fn.pending--
		}
		if fn.pending == 0 {
			fn.config["State"], fn.config["LastUpdateStatus"] = "Active", "Successful"
		}
		out := map[string]any{"Configuration": fn.config, "Code": map[string]any{"RepositoryType": "ECR", "ImageUri": fn.imageURI, "ResolvedImageUri": fn.resolved}}
		if fn.reserved != nil {
			out["Concurrency"] = map[string]any{"ReservedConcurrentExecutions": *fn.reserved}
		}
		jsonOK(w, 200, out)
	case "UpdateFunctionCode", "UpdateFunctionConfiguration":
		if fn.pending > 0 {
			jsonError(w, 409, "ResourceConflictException", "The operation cannot be performed at this time. An update is in progress for resource: "+f.arnFor("lambda", "function:"+name))
			return
		}
		if op == "UpdateFunctionCode" {
			if u, _ := in["ImageUri"].(string); u != "" {
				fn.imageURI, fn.resolved = u, f.resolve(u)
			}
			if a, ok := in["Architectures"]; ok {
				fn.config["Architectures"] = a
			}
		} else {
			if msg := checkFunctionConfig(in, fn.config); msg != "" {
				jsonError(w, 400, "InvalidParameterValueException", msg)
				return
			}
			for _, k := range []string{"Role", "MemorySize", "Timeout", "Environment", "FileSystemConfigs", "VpcConfig"} {
				if v, ok := in[k]; ok {
					fn.config[k] = v
				}
			}
			normalizeVPC(fn.config)
		}
		fn.pending = f.PendingPolls
		fn.config["LastUpdateStatus"] = "InProgress"
		jsonOK(w, 200, fn.config)
	case "PutFunctionConcurrency":
		n, ok := in["ReservedConcurrentExecutions"].(float64)
		if !ok || n < 0 {
			jsonError(w, 400, "InvalidParameterValueException", "ReservedConcurrentExecutions must be a non-negative integer")
			return
		}
		v := int(n)
		fn.reserved = &v
		jsonOK(w, 200, map[string]any{"ReservedConcurrentExecutions": v})
	case "DeleteFunctionConcurrency":
		fn.reserved = nil
		w.WriteHeader(204)
	case "DeleteFunction":
		delete(f.functions, name)
		w.WriteHeader(204)
	case "Invoke":
		f.lambdaInvoke(w, r, name, body)
	default:
		jsonError(w, 404, "UnknownOperationException", "awsfake: Lambda operation "+op+" is not modelled")
	}
}

// lambdaOp names the operation of a Lambda route (Lambda API Reference request syntax).
func lambdaOp(method string, named bool, sub string) string {
	switch {
	case !named && method == "POST":
		return "CreateFunction"
	case sub == "" && method == "GET":
		return "GetFunction"
	case sub == "" && method == "DELETE":
		return "DeleteFunction"
	case sub == "code" && method == "PUT":
		return "UpdateFunctionCode"
	case sub == "configuration" && method == "PUT":
		return "UpdateFunctionConfiguration"
	case sub == "configuration" && method == "GET":
		return "GetFunctionConfiguration"
	case sub == "concurrency" && method == "PUT":
		return "PutFunctionConcurrency"
	case sub == "concurrency" && method == "DELETE":
		return "DeleteFunctionConcurrency"
	case sub == "concurrency" && method == "GET":
		return "GetFunctionConcurrency"
	case sub == "invocations" && method == "POST":
		return "Invoke"
	}
	return method + " " + sub
}

// checkFunctionConfig applies Lambda's validation of the fields hsfan sets (Lambda API Reference,
// CreateFunction: MemorySize 128-10240, Timeout 1-900, a file system needs a VPC, LocalMountPath
// under /mnt/); it returns the InvalidParameterValueException message or "".
func checkFunctionConfig(in, old map[string]any) string {
	if v, ok := in["MemorySize"].(float64); ok && (v < 128 || v > 10240) {
		return fmt.Sprintf("MemorySize %v is outside [128, 10240]", v)
	}
	if v, ok := in["Timeout"].(float64); ok && (v < 1 || v > 900) {
		return fmt.Sprintf("Timeout %v is outside [1, 900]", v)
	}
	fs, _ := in["FileSystemConfigs"].([]any)
	if len(fs) == 0 && old != nil {
		if _, set := in["FileSystemConfigs"]; !set {
			fs, _ = old["FileSystemConfigs"].([]any)
		}
	}
	vpc, _ := in["VpcConfig"].(map[string]any)
	if vpc == nil && old != nil {
		vpc, _ = old["VpcConfig"].(map[string]any)
	}
	subnets, _ := vpc["SubnetIds"].([]any)
	if len(fs) > 0 && len(subnets) == 0 {
		return "Function with a file system configuration must have a VPC configuration"
	}
	for _, c := range fs {
		cm, _ := c.(map[string]any)
		if p, _ := cm["LocalMountPath"].(string); !regexp.MustCompile(`^/mnt/[a-zA-Z0-9-_.]+$`).MatchString(p) {
			return fmt.Sprintf("LocalMountPath %q must be /mnt/NAME", p)
		}
	}
	return ""
}

// normalizeVPC adds the VpcId Lambda reports for a function in subnets.
func normalizeVPC(c map[string]any) {
	if vpc, ok := c["VpcConfig"].(map[string]any); ok {
		if s, _ := vpc["SubnetIds"].([]any); len(s) > 0 {
			vpc["VpcId"] = "vpc-fake"
		}
	}
}

func (f *Fake) lambdaCreate(w http.ResponseWriter, in map[string]any) {
	name, _ := in["FunctionName"].(string)
	if f.functions[name] != nil {
		jsonError(w, 409, "ResourceConflictException", "Function already exist: "+name)
		return
	}
	code, _ := in["Code"].(map[string]any)
	img, _ := code["ImageUri"].(string)
	role, _ := in["Role"].(string)
	if name == "" || img == "" || in["PackageType"] != "Image" || !strings.HasPrefix(role, "arn:aws:iam::") {
		jsonError(w, 400, "InvalidParameterValueException", "FunctionName, Role (an IAM role ARN), PackageType Image and Code.ImageUri are required")
		return
	}
	if msg := checkFunctionConfig(in, nil); msg != "" {
		jsonError(w, 400, "InvalidParameterValueException", msg)
		return
	}
	if f.UnassumableCreates > 0 {
		f.UnassumableCreates--
		jsonError(w, 400, "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
		return
	}
	cfg := map[string]any{"FunctionName": name, "FunctionArn": f.arnFor("lambda", "function:"+name), "PackageType": "Image",
		"Role": role, "MemorySize": 128.0, "Timeout": 3.0, "Architectures": []any{"x86_64"}, "State": "Pending",
		"StateReasonCode": "Creating", "LastUpdateStatus": "InProgress"}
	for _, k := range []string{"MemorySize", "Timeout", "Architectures", "Environment", "FileSystemConfigs", "VpcConfig", "Description"} {
		if v, ok := in[k]; ok {
			cfg[k] = v
		}
	}
	normalizeVPC(cfg)
	f.functions[name] = &function{config: cfg, imageURI: img, resolved: f.resolve(img), pending: f.PendingPolls}
	jsonOK(w, 201, cfg)
}

func (f *Fake) lambdaInvoke(w http.ResponseWriter, r *http.Request, name string, payload []byte) {
	if st, _ := f.functions[name].config["State"].(string); st != "Active" {
		jsonError(w, 409, "ResourcePendingException", "The operation cannot be performed at this time. The function is currently in the following state: "+st)
		return
	}
	out, ferr, tail := []byte(`{"ok":true}`), "", "START RequestId: fake Version: $LATEST\nEND RequestId: fake\nREPORT RequestId: fake\tDuration: 1.00 ms\tBilled Duration: 2 ms\tMemory Size: 2048 MB\tMax Memory Used: 20 MB\tInit Duration: 10.00 ms\n"
	if f.InvokeResult != nil {
		out, ferr, tail = f.InvokeResult(name, payload)
	}
	if r.Header.Get("X-Amz-Log-Type") == "Tail" {
		w.Header().Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString([]byte(tail)))
	}
	if ferr != "" {
		w.Header().Set("X-Amz-Function-Error", ferr)
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}
