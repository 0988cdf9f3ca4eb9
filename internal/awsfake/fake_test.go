package awsfake

import (
	"net/http"
	"strings"
	"testing"
)

func TestUnsignedRequestRefused(t *testing.T) {
	f := New()
	u, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.Post(u+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetRole&RoleName=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(f.Calls()) != 0 {
		t.Errorf("unsigned request: status %d, %d calls recorded", resp.StatusCode, len(f.Calls()))
	}
}

func TestCallMutating(t *testing.T) {
	for op, want := range map[string]bool{"GetRole": false, "ListRolePolicies": false, "DescribeImages": false, "GetAuthorizationToken": false,
		"Invoke": false, "CreateRole": true, "PutRolePolicy": true, "AttachRolePolicy": true, "DetachRolePolicy": true,
		"UpdateFunctionCode": true, "DeleteSchedule": true, "TagResource": true} {
		if got := (Call{Operation: op}).Mutating(); got != want {
			t.Errorf("%s: mutating %v, want %v", op, got, want)
		}
	}
	if s := (Call{Service: "iam", Operation: "GetRole", Params: map[string]string{"RoleName": "r", "A": "1"}}).String(); s != "iam GetRole A=1 RoleName=r" {
		t.Errorf("String %q", s)
	}
}
