package awsfake

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// schedule is one EventBridge Scheduler schedule: the request document it was created or last
// updated with (GetSchedule's answer is that document plus Arn, Name and dates).
type schedule struct {
	doc map[string]any
}

func (f *Fake) serveScheduler(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/schedules/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		jsonError(w, 404, "UnknownOperationException", "awsfake: no Scheduler route "+r.Method+" "+r.URL.Path)
		return
	}
	name, _ := url.PathUnescape(rest)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		jsonError(w, 400, "ValidationException", err.Error())
		return
	}
	in, params, err := bodyParams(body)
	if err != nil {
		jsonError(w, 400, "ValidationException", err.Error())
		return
	}
	delete(params, "ClientToken") // an idempotency token the SDK makes up per call
	params["Name"] = name
	group, _ := in["GroupName"].(string)
	if g := r.URL.Query().Get("groupName"); g != "" {
		group = g
	}
	if group == "" {
		group = "default"
	}
	params["GroupName"] = group
	op := map[string]string{"GET": "GetSchedule", "POST": "CreateSchedule", "PUT": "UpdateSchedule", "DELETE": "DeleteSchedule"}[r.Method]
	f.record("scheduler", op, params)
	if f.denied("scheduler:" + op) {
		jsonError(w, 403, "AccessDeniedException", fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: scheduler:%s on resource: %s", Account, op, f.arnFor("scheduler", "schedule/"+group+"/"+name)))
		return
	}
	key := group + "/" + name
	sc := f.schedules[key]
	arn := f.arnFor("scheduler", "schedule/"+key)
	if sc == nil && op != "CreateSchedule" {
		jsonError(w, 404, "ResourceNotFoundException", fmt.Sprintf("Schedule %s does not exist.", name))
		return
	}
	switch op {
	case "CreateSchedule", "UpdateSchedule":
		if op == "CreateSchedule" && sc != nil {
			jsonError(w, 409, "ConflictException", fmt.Sprintf("Schedule %s already exists.", name))
			return
		}
		if msg := checkSchedule(in); msg != "" {
			jsonError(w, 400, "ValidationException", msg)
			return
		}
		delete(in, "ClientToken")
		in["GroupName"] = group
		f.schedules[key] = &schedule{doc: in}
		jsonOK(w, 200, map[string]any{"ScheduleArn": arn})
	case "GetSchedule":
		out := map[string]any{"Arn": arn, "Name": name, "CreationDate": 1767225600, "LastModificationDate": 1767225600}
		for k, v := range sc.doc {
			out[k] = v
		}
		if _, ok := out["State"]; !ok {
			out["State"] = "ENABLED"
		}
		jsonOK(w, 200, out)
	case "DeleteSchedule":
		delete(f.schedules, key)
		jsonOK(w, 200, map[string]any{})
	default:
		jsonError(w, 404, "UnknownOperationException", "awsfake: Scheduler method "+r.Method)
	}
}

// checkSchedule applies the Scheduler API Reference's constraints on what hsfan sends: an
// expression, a flexible time window, a target with Arn and RoleArn.
func checkSchedule(in map[string]any) string {
	if e, _ := in["ScheduleExpression"].(string); e == "" {
		return "ScheduleExpression is required"
	}
	if ftw, _ := in["FlexibleTimeWindow"].(map[string]any); ftw["Mode"] == nil {
		return "FlexibleTimeWindow.Mode is required"
	}
	t, _ := in["Target"].(map[string]any)
	if a, _ := t["Arn"].(string); a == "" {
		return "Target.Arn is required"
	}
	if a, _ := t["RoleArn"].(string); !strings.HasPrefix(a, "arn:aws:iam::") {
		return "Target.RoleArn must be an IAM role ARN"
	}
	if s, _ := t["Input"].(string); len(s) > 8192 {
		return "Target.Input is longer than 8192 characters"
	}
	return ""
}
