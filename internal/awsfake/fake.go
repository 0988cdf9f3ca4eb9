// Package awsfake is a recording, stateful stand-in for the AWS APIs that `hsfan deploy` calls:
// IAM and STS (query protocol, XML answers), Lambda and EventBridge Scheduler (REST-JSON) and ECR
// (JSON 1.1). One HTTP server answers all five; it tells the service from the SigV4 credential
// scope of the Authorization header (".../us-east-1/iam/aws4_request"), as the SDK signs every
// request with its service's signing name, and records every request as a Call (service,
// operation, key parameters) in arrival order.
//
// The answers follow the AWS API references (IAM API Reference "Common errors" and each action's
// response elements; Lambda API Reference "GetFunction", "CreateFunction", "Invoke"; ECR API
// Reference; EventBridge Scheduler API Reference): the same status codes, error codes
// (NoSuchEntity, ResourceNotFoundException, RepositoryNotFoundException, ImageNotFoundException,
// ResourceConflictException, AccessDenied/AccessDeniedException) and document shapes, with state so
// that a create is seen by the next get. Lambda's asynchronous states are modelled: a created
// function is Pending and an updated one InProgress for PendingPolls GetFunction calls, and an
// update while an update is in progress is refused with 409 ResourceConflictException, as Lambda
// does, so that a deployer that does not wait fails against the fake.
//
// It is for tests and `hsfan deploy --dry-run`, never a substitute for AWS in production.
package awsfake

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Account is the account id every fake answer uses.
const Account = "123456789012"

// Region is the region of the ARNs and the registry the fake makes unless Fake.Region names
// another.
const Region = "us-east-1"

// Call is one recorded request: the service's signing name (iam, sts, lambda, ecr, scheduler),
// the operation and the parameters that identify and shape it (names, ARNs, sizes; policy
// documents are recorded verbatim).
type Call struct {
	Service   string
	Operation string
	Params    map[string]string
}

// String is "service Operation k=v k=v" with the keys sorted.
func (c Call) String() string {
	keys := make([]string, 0, len(c.Params))
	for k := range c.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(c.Service + " " + c.Operation)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, c.Params[k])
	}
	return b.String()
}

// Mutating reports whether the operation changes state (Create*, Update*, Put*, Attach*,
// Detach*, Delete*, Tag*, Untag*).
func (c Call) Mutating() bool {
	for _, p := range []string{"Create", "Update", "Put", "Attach", "Detach", "Delete", "Tag", "Untag"} {
		if strings.HasPrefix(c.Operation, p) {
			return true
		}
	}
	return false
}

// Fake is the recording server and the state of one fake account.
type Fake struct {
	// PendingPolls is how many GetFunction calls see a created function Pending or an updated
	// one InProgress before it is Active/Successful (default 1).
	PendingPolls int
	// InvokeResult, when set, answers Invoke: the payload, the function error ("" for none) and
	// the log tail. The default echoes a REPORT line and the payload {"ok":true}.
	InvokeResult func(function string, payload []byte) (out []byte, functionError, logTail string)

	// UnassumableCreates is how many CreateFunction calls fail with Lambda's "The role defined
	// for the function cannot be assumed by Lambda" (a role created seconds before, not yet
	// visible to Lambda: IAM is eventually consistent).
	UnassumableCreates int
	// AssumeImages makes DescribeImages find every tag of an existing repository, for tests
	// whose docker stand-in pushes nothing. Not for --dry-run: a fresh account's new
	// repository is empty until pushed (PushImage), and the dry run must show the real run's stop.
	AssumeImages bool
	// Region is the region of the fake's ARNs and registry ("": the constant Region); set it
	// before Start.
	Region string

	mu        sync.Mutex
	calls     []Call
	deny      map[string]bool
	roles     map[string]*role
	functions map[string]*function
	repos     map[string]*repo
	schedules map[string]*schedule
	seq       int
	srv       *httptest.Server
}

// New returns a fake account with nothing in it. Call Start to serve it over HTTP.
func New() *Fake {
	return &Fake{PendingPolls: 1, deny: map[string]bool{}, roles: map[string]*role{},
		functions: map[string]*function{}, repos: map[string]*repo{}, schedules: map[string]*schedule{}}
}

// Start serves the fake on a loopback port and returns its URL (every client's BaseEndpoint).
func (f *Fake) Start() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("awsfake: listen: %w", err)
	}
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Listener.Close()
	f.srv.Listener = l
	f.srv.Start()
	return f.srv.URL, nil
}

// Close stops the server.
func (f *Fake) Close() {
	if f.srv != nil {
		f.srv.Close()
	}
}

// Calls returns the requests recorded so far.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

// Reset forgets the recorded calls (not the state).
func (f *Fake) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// Deny makes the action ("iam:CreateRole", "lambda:CreateFunction", ...) answer AccessDenied.
func (f *Fake) Deny(action string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deny[action] = true
}

var scopeRE = regexp.MustCompile(`Credential=[^/]+/[0-9]+/[^/]+/([a-z0-9-]+)/aws4_request`)

// ServeHTTP routes a request to its service by the SigV4 scope.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := scopeRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "awsfake: unsigned request (no SigV4 credential scope)", http.StatusForbidden)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	switch m[1] {
	case "iam":
		f.serveIAM(w, r)
	case "sts":
		f.serveSTS(w, r)
	case "lambda":
		f.serveLambda(w, r)
	case "ecr":
		f.serveECR(w, r)
	case "scheduler":
		f.serveScheduler(w, r)
	default:
		http.Error(w, "awsfake: no such service "+m[1], http.StatusNotFound)
	}
}

// record appends a call; the caller holds f.mu.
func (f *Fake) record(service, op string, params map[string]string) {
	f.calls = append(f.calls, Call{Service: service, Operation: op, Params: params})
}

// denied reports whether action is denied; the caller holds f.mu.
func (f *Fake) denied(action string) bool { return f.deny[action] }

// region is f.Region or the default Region.
func (f *Fake) region() string {
	if f.Region != "" {
		return f.Region
	}
	return Region
}

// arnFor returns an ARN in the fake account.
func (f *Fake) arnFor(service, resource string) string {
	region := f.region()
	if service == "iam" {
		region = ""
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, resource)
}
