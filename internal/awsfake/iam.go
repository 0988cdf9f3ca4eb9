package awsfake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// role is one IAM role of the fake account.
type role struct {
	name, id, arn, trust string
	attached             []string          // managed policy ARNs
	inline               map[string]string // policy name -> document
}

const iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"

// queryError writes an IAM/STS query-protocol error (IAM API Reference, "Common errors"):
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func queryError(w http.ResponseWriter, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-fake</RequestId></ErrorResponse>`,
		iamNS, typ, code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// queryOK writes <OpResponse><OpResult>inner</OpResult><ResponseMetadata/></OpResponse>.
func queryOK(w http.ResponseWriter, ns, op, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>req-fake</RequestId></ResponseMetadata></%sResponse>`,
		op, ns, op, inner, op, op)
}

// roleXML is a Role element; the trust policy is URL-encoded as IAM returns it.
func roleXML(r *role) string {
	return fmt.Sprintf(`<Role><Path>/</Path><RoleName>%s</RoleName><RoleId>%s</RoleId><Arn>%s</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></Role>`,
		xmlEscape(r.name), r.id, xmlEscape(r.arn), xmlEscape(url.QueryEscape(r.trust)))
}

func (f *Fake) serveIAM(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		queryError(w, 400, "MalformedInput", err.Error())
		return
	}
	op := r.PostForm.Get("Action")
	name := r.PostForm.Get("RoleName")
	params := map[string]string{"RoleName": name}
	for _, k := range []string{"PolicyArn", "PolicyName", "AssumeRolePolicyDocument", "PolicyDocument"} {
		if v := r.PostForm.Get(k); v != "" {
			params[k] = v
		}
	}
	f.record("iam", op, params)
	if f.denied("iam:" + op) {
		queryError(w, 403, "AccessDenied", fmt.Sprintf("User: arn:aws:iam::%s:user/test is not authorized to perform: iam:%s on resource: %s", Account, op, f.arnFor("iam", "role/"+name)))
		return
	}
	ro := f.roles[name]
	if ro == nil && op != "CreateRole" {
		queryError(w, 404, "NoSuchEntity", fmt.Sprintf("The role with name %s cannot be found.", name))
		return
	}
	switch op {
	case "CreateRole":
		if ro != nil {
			queryError(w, 409, "EntityAlreadyExists", fmt.Sprintf("Role with name %s already exists.", name))
			return
		}
		ro = &role{name: name, id: fmt.Sprintf("AROAFAKE%08d", f.seq), arn: f.arnFor("iam", "role/"+name),
			trust: r.PostForm.Get("AssumeRolePolicyDocument"), inline: map[string]string{}}
		f.roles[name] = ro
		queryOK(w, iamNS, op, roleXML(ro))
	case "GetRole":
		queryOK(w, iamNS, op, roleXML(ro))
	case "UpdateAssumeRolePolicy":
		ro.trust = r.PostForm.Get("PolicyDocument")
		queryOK(w, iamNS, op, "")
	case "ListAttachedRolePolicies":
		var b strings.Builder
		for _, a := range ro.attached {
			fmt.Fprintf(&b, "<member><PolicyName>%s</PolicyName><PolicyArn>%s</PolicyArn></member>", xmlEscape(a[strings.LastIndex(a, "/")+1:]), xmlEscape(a))
		}
		queryOK(w, iamNS, op, "<AttachedPolicies>"+b.String()+"</AttachedPolicies><IsTruncated>false</IsTruncated>")
	case "AttachRolePolicy":
		a := r.PostForm.Get("PolicyArn")
		if !strings.HasPrefix(a, "arn:aws:iam::") {
			queryError(w, 400, "InvalidInput", "ARN "+a+" is not valid.")
			return
		}
		for _, x := range ro.attached {
			if x == a {
				queryOK(w, iamNS, op, "")
				return
			}
		}
		ro.attached = append(ro.attached, a)
		sort.Strings(ro.attached)
		queryOK(w, iamNS, op, "")
	case "DetachRolePolicy":
		a := r.PostForm.Get("PolicyArn")
		for i, x := range ro.attached {
			if x == a {
				ro.attached = append(ro.attached[:i], ro.attached[i+1:]...)
				queryOK(w, iamNS, op, "")
				return
			}
		}
		queryError(w, 404, "NoSuchEntity", fmt.Sprintf("Policy %s was not found.", a))
	case "ListRolePolicies":
		names := make([]string, 0, len(ro.inline))
		for n := range ro.inline {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "<member>%s</member>", xmlEscape(n))
		}
		queryOK(w, iamNS, op, "<PolicyNames>"+b.String()+"</PolicyNames><IsTruncated>false</IsTruncated>")
	case "GetRolePolicy":
		pn := r.PostForm.Get("PolicyName")
		doc, ok := ro.inline[pn]
		if !ok {
			queryError(w, 404, "NoSuchEntity", fmt.Sprintf("The role policy with name %s cannot be found.", pn))
			return
		}
		queryOK(w, iamNS, op, fmt.Sprintf("<RoleName>%s</RoleName><PolicyName>%s</PolicyName><PolicyDocument>%s</PolicyDocument>",
			xmlEscape(name), xmlEscape(pn), xmlEscape(url.QueryEscape(doc))))
	case "PutRolePolicy":
		ro.inline[r.PostForm.Get("PolicyName")] = r.PostForm.Get("PolicyDocument")
		queryOK(w, iamNS, op, "")
	case "DeleteRolePolicy":
		pn := r.PostForm.Get("PolicyName")
		if _, ok := ro.inline[pn]; !ok {
			queryError(w, 404, "NoSuchEntity", fmt.Sprintf("The role policy with name %s cannot be found.", pn))
			return
		}
		delete(ro.inline, pn)
		queryOK(w, iamNS, op, "")
	case "DeleteRole":
		if len(ro.attached) > 0 || len(ro.inline) > 0 {
			queryError(w, 409, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
			return
		}
		delete(f.roles, name)
		queryOK(w, iamNS, op, "")
	default:
		queryError(w, 400, "InvalidAction", "awsfake: IAM action "+op+" is not modelled")
	}
}

const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

func (f *Fake) serveSTS(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		queryError(w, 400, "MalformedInput", err.Error())
		return
	}
	op := r.PostForm.Get("Action")
	f.record("sts", op, map[string]string{})
	if op != "GetCallerIdentity" {
		queryError(w, 400, "InvalidAction", "awsfake: STS action "+op+" is not modelled")
		return
	}
	queryOK(w, stsNS, op, fmt.Sprintf("<Arn>arn:aws:iam::%s:user/test</Arn><UserId>AIDAFAKE</UserId><Account>%s</Account>", Account, Account))
}
