package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The AWS managed policies the execution role may carry (IAM User Guide, "AWS managed policies
// for AWS Lambda"; the EFS one from the AWS News Blog "Shared File Storage for Lambda Functions").
const (
	// PolicyBasicExecution lets the function write its CloudWatch logs.
	PolicyBasicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	// PolicyVPCAccess lets Lambda create the network interfaces of a function in a VPC.
	PolicyVPCAccess = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
	// PolicyEFSClient lets the function mount and write an EFS file system.
	PolicyEFSClient = "arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess"
)

// S3PolicyName is the execution role's inline policy for the data buckets.
const S3PolicyName = "hsfan-s3"

// InvokePolicyName is the scheduler role's inline policy allowing it to invoke the function.
const InvokePolicyName = "hsfan-invoke"

// RoleConfig is the execution role of the worker function.
type RoleConfig struct {
	// Name is the role name (hsfan-worker).
	Name string
	// ReadBuckets get s3:ListBucket on the bucket and s3:GetObject on its objects.
	ReadBuckets []string
	// WriteBuckets get the read permissions plus s3:PutObject and s3:DeleteObject on their objects
	// (REST writes, partials above the 6 MB response limit under hsfan-results/).
	WriteBuckets []string
	// EFS adds the VPC access and EFS client managed policies (a function with a file system).
	EFS bool
}

// policyDoc is an IAM policy document.
type policyDoc struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

func (p policyDoc) String() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err) // a policyDoc of strings and maps always marshals
	}
	return string(b)
}

// trustPolicy lets service assume the role; account, when set, is the aws:SourceAccount condition
// (IAM User Guide, "The confused deputy problem").
func trustPolicy(service, account string) string {
	st := statement{Effect: "Allow", Principal: map[string]any{"Service": service}, Action: "sts:AssumeRole"}
	if account != "" {
		st.Condition = map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}}
	}
	return policyDoc{Version: "2012-10-17", Statement: []statement{st}}.String()
}

// S3Policy is the inline policy for the buckets: list and read on every bucket, put and delete
// on the write buckets' objects; "" when there is no bucket.
func S3Policy(read, write []string) string {
	all := append(slices.Clone(read), write...)
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) == 0 {
		return ""
	}
	var buckets, objects, wobjects []string
	for _, b := range all {
		buckets = append(buckets, "arn:aws:s3:::"+b)
		objects = append(objects, "arn:aws:s3:::"+b+"/*")
	}
	w := slices.Clone(write)
	slices.Sort(w)
	for _, b := range slices.Compact(w) {
		wobjects = append(wobjects, "arn:aws:s3:::"+b+"/*")
	}
	p := policyDoc{Version: "2012-10-17", Statement: []statement{
		{Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: buckets},
		{Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: objects},
	}}
	if len(wobjects) > 0 {
		p.Statement = append(p.Statement, statement{Sid: "Write", Effect: "Allow", Action: []string{"s3:PutObject", "s3:DeleteObject"}, Resource: wobjects})
	}
	return p.String()
}

// invokePolicy lets the scheduler role invoke the function (and its versions and aliases).
func invokePolicy(functionARN string) string {
	return policyDoc{Version: "2012-10-17", Statement: []statement{
		{Effect: "Allow", Action: "lambda:InvokeFunction", Resource: []string{functionARN, functionARN + ":*"}},
	}}.String()
}

// roleSpec is a role as it should be: trust policy, managed policies, inline policies.
type roleSpec struct {
	name, description, trust string
	managed                  []string
	inline                   map[string]string
}

// ExecutionRole is the spec of the worker's execution role.
func (c RoleConfig) spec() roleSpec {
	managed := []string{PolicyBasicExecution}
	if c.EFS {
		managed = append(managed, PolicyVPCAccess, PolicyEFSClient)
	}
	inline := map[string]string{}
	if p := S3Policy(c.ReadBuckets, c.WriteBuckets); p != "" {
		inline[S3PolicyName] = p
	}
	return roleSpec{name: c.Name, description: "hsfan worker execution role (hsfan deploy role)",
		trust: trustPolicy("lambda.amazonaws.com", ""), managed: managed, inline: inline}
}

// schedulerRoleSpec is the role EventBridge Scheduler assumes to invoke functionARN.
func schedulerRoleSpec(name, account, functionARN string) roleSpec {
	return roleSpec{name: name, description: "EventBridge Scheduler invokes the hsfan function (hsfan deploy schedule)",
		trust: trustPolicy("scheduler.amazonaws.com", account), inline: map[string]string{InvokePolicyName: invokePolicy(functionARN)}}
}

// roleARN is the ARN of a role in account.
func roleARN(account, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name)
}

// EnsureRole creates or updates the execution role so that it has exactly the trust policy, the
// managed policies and the inline S3 policy of c, and returns its ARN.
func EnsureRole(ctx context.Context, cl Clients, o Options, c RoleConfig) (string, error) {
	if c.Name == "" {
		return "", fmt.Errorf("deploy role: empty role name")
	}
	return ensureRole(ctx, cl.IAM, o, c.spec())
}

// ensureRole reads the role and changes only what differs from s: the trust policy, attached
// managed policies (missing ones attached, others detached) and inline policies (missing or
// different ones put, others deleted).
func ensureRole(ctx context.Context, c IAMAPI, o Options, s roleSpec) (string, error) {
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(s.name)})
	created := false
	var arn string
	switch {
	case isCode(err, "NoSuchEntity"):
		out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(s.name), AssumeRolePolicyDocument: aws.String(s.trust),
			Description: aws.String(s.description)})
		if err != nil {
			return "", awsError("iam", "CreateRole", s.name, err)
		}
		arn, created = aws.ToString(out.Role.Arn), true
		o.say("created role %s", s.name)
	case err != nil:
		return "", awsError("iam", "GetRole", s.name, err)
	default:
		arn = aws.ToString(got.Role.Arn)
		trust, _ := url.QueryUnescape(aws.ToString(got.Role.AssumeRolePolicyDocument))
		if !sameJSON(trust, s.trust) {
			if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(s.name), PolicyDocument: aws.String(s.trust)}); err != nil {
				return "", awsError("iam", "UpdateAssumeRolePolicy", s.name, err)
			}
			o.say("updated the trust policy of role %s", s.name)
		}
	}
	var attached []string
	if !created {
		if attached, err = listAttached(ctx, c, s.name); err != nil {
			return "", err
		}
	}
	want := slices.Sorted(slices.Values(s.managed))
	for _, p := range want {
		if slices.Contains(attached, p) {
			continue
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(s.name), PolicyArn: aws.String(p)}); err != nil {
			return "", awsError("iam", "AttachRolePolicy", s.name+" "+p, err)
		}
		o.say("attached %s to role %s", p, s.name)
	}
	for _, p := range attached {
		if slices.Contains(want, p) {
			continue
		}
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(s.name), PolicyArn: aws.String(p)}); err != nil {
			return "", awsError("iam", "DetachRolePolicy", s.name+" "+p, err)
		}
		o.say("detached %s from role %s", p, s.name)
	}
	var inline []string
	if !created {
		if inline, err = listInline(ctx, c, s.name); err != nil {
			return "", err
		}
	}
	for _, name := range sortedKeys(s.inline) {
		doc := s.inline[name]
		if slices.Contains(inline, name) {
			cur, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(s.name), PolicyName: aws.String(name)})
			if err != nil {
				return "", awsError("iam", "GetRolePolicy", s.name+" "+name, err)
			}
			if d, _ := url.QueryUnescape(aws.ToString(cur.PolicyDocument)); sameJSON(d, doc) {
				continue
			}
		}
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(s.name), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			return "", awsError("iam", "PutRolePolicy", s.name+" "+name, err)
		}
		o.say("put inline policy %s on role %s", name, s.name)
	}
	for _, name := range inline {
		if _, ok := s.inline[name]; ok {
			continue
		}
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(s.name), PolicyName: aws.String(name)}); err != nil {
			return "", awsError("iam", "DeleteRolePolicy", s.name+" "+name, err)
		}
		o.say("deleted inline policy %s from role %s", name, s.name)
	}
	if !created {
		o.say("role %s up to date", s.name)
	}
	return arn, nil
}

func listAttached(ctx context.Context, c IAMAPI, name string) ([]string, error) {
	var out []string
	p := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsError("iam", "ListAttachedRolePolicies", name, err)
		}
		for _, a := range page.AttachedPolicies {
			out = append(out, aws.ToString(a.PolicyArn))
		}
	}
	slices.Sort(out)
	return out, nil
}

func listInline(ctx context.Context, c IAMAPI, name string) ([]string, error) {
	var out []string
	p := iam.NewListRolePoliciesPaginator(c, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsError("iam", "ListRolePolicies", name, err)
		}
		out = append(out, page.PolicyNames...)
	}
	slices.Sort(out)
	return out, nil
}

// deleteRole removes a role and its policies; a missing role is not an error. It reports
// whether the role existed.
func deleteRole(ctx context.Context, c IAMAPI, o Options, name string) (bool, error) {
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); isCode(err, "NoSuchEntity") {
		return false, nil
	} else if err != nil {
		return false, awsError("iam", "GetRole", name, err)
	}
	attached, err := listAttached(ctx, c, name)
	if err != nil {
		return true, err
	}
	for _, p := range attached {
		if _, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			return true, awsError("iam", "DetachRolePolicy", name+" "+p, err)
		}
	}
	inline, err := listInline(ctx, c, name)
	if err != nil {
		return true, err
	}
	for _, p := range inline {
		if _, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			return true, awsError("iam", "DeleteRolePolicy", name+" "+p, err)
		}
	}
	if _, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil {
		return true, awsError("iam", "DeleteRole", name, err)
	}
	o.say("deleted role %s", name)
	return true, nil
}

// EnsureSchedulerRole creates or updates the role EventBridge Scheduler assumes to invoke the
// function (trusted by scheduler.amazonaws.com for the caller's account only, allowed
// lambda:InvokeFunction on the function) and returns its ARN.
func EnsureSchedulerRole(ctx context.Context, cl Clients, o Options, name, function string) (string, error) {
	if name == "" || function == "" {
		return "", fmt.Errorf("deploy scheduler role: the role and function names are required")
	}
	account, err := accountID(ctx, cl)
	if err != nil {
		return "", err
	}
	return ensureRole(ctx, cl.IAM, o, schedulerRoleSpec(name, account, functionARN(cl.Region, account, function)))
}

// functionARN is the ARN of a function of account in region.
func functionARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name)
}
