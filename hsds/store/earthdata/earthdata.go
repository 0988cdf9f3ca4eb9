// Package earthdata fetches temporary S3 credentials from an Earthdata-style credentials endpoint
// (a DAAC's /s3credentials, e.g. https://archive.podaac.earthdata.nasa.gov/s3credentials) and
// serves them to aws-sdk-go-v2 as a renewing credentials provider.
//
// The endpoint's contract, as its documentation gives it
// (https://archive.podaac.earthdata.nasa.gov/s3credentialsREADME, and the same Cumulus/TEA text at
// https://cumulus.asf.alaska.edu/s3credentialsREADME): an unauthenticated GET is redirected to
// Earthdata Login (urs.earthdata.nasa.gov/oauth/authorize); once logged in (the login redirects
// back to the endpoint with a code, and the endpoint sets a session cookie), the GET returns
//
//	{"accessKeyId": "...", "secretAccessKey": "...", "sessionToken": "...",
//	 "expiration": "2021-01-27 00:50:09+00:00"}
//
// credentials of AWS STS valid for one hour, in-region (us-west-2 for PO.DAAC), read-only. The
// login accepts HTTP basic auth (the flow `curl -n -c cookies -b cookies -L URL` follows, as NSIDC's
// "Accessing NSIDC DAAC S3 Data with Temporary AWS Credentials" documents), which is what Provider
// does: it follows the redirects with a cookie jar and sends the user and password, as basic auth,
// only to the login host.
package earthdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	netrc "github.com/jdx/go-netrc"
)

// DefaultLoginHost is the Earthdata Login host, the netrc machine whose login and password the
// credentials endpoint's redirect flow needs.
const DefaultLoginHost = "urs.earthdata.nasa.gov"

// DefaultExpiryWindow is how long before the credentials' expiration the cache fetches new ones:
// the endpoint's credentials last one hour, so they are renewed after about 50 minutes.
const DefaultExpiryWindow = 10 * time.Minute

// Login is an Earthdata Login user and password, with where they came from (for error messages,
// e.g. "~/.netrc machine urs.earthdata.nasa.gov"; never the password).
type Login struct {
	User, Password string
	Source         string
}

// LoginFromNetrc reads the login and password of machine from the netrc file at path. A missing
// file, a missing machine or an empty login or password is an error naming the file and machine.
func LoginFromNetrc(path, machine string) (Login, error) {
	n, err := netrc.Parse(path)
	if err != nil {
		return Login{}, fmt.Errorf("earthdata login: read netrc %s: %w", path, err)
	}
	m := n.Machine(machine)
	if m == nil {
		return Login{}, fmt.Errorf("earthdata login: netrc %s has no machine %s (want a line: machine %s login USER password PASSWORD)", path, machine, machine)
	}
	l := Login{User: m.Get("login"), Password: m.Get("password"), Source: fmt.Sprintf("netrc %s machine %s", path, machine)}
	if l.User == "" || l.Password == "" {
		return Login{}, fmt.Errorf("earthdata login: netrc %s machine %s needs both login and password", path, machine)
	}
	return l, nil
}

// Provider fetches credentials from URL on each Retrieve; wrap it with NewCredentials (an
// aws.CredentialsCache) to fetch only when the cached ones near their expiration. It is safe for
// concurrent use; the session cookie is kept between fetches, so a renewal usually skips the login.
type Provider struct {
	// URL is the credentials endpoint, e.g. https://archive.podaac.earthdata.nasa.gov/s3credentials.
	URL string
	// Login is sent as basic auth to LoginHost only.
	Login Login
	// LoginHost is the login's host[:port]; DefaultLoginHost when empty.
	LoginHost string
	// Transport is the HTTP transport; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Timeout bounds one fetch, redirects included; 30 s when zero.
	Timeout time.Duration

	once   sync.Once
	client *http.Client
}

var _ aws.CredentialsProvider = (*Provider)(nil)

// NewCredentials wraps p in an aws.CredentialsCache renewing window before expiration
// (DefaultExpiryWindow when window <= 0).
func NewCredentials(p *Provider, window time.Duration) *aws.CredentialsCache {
	if window <= 0 {
		window = DefaultExpiryWindow
	}
	return aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = window })
}

func (p *Provider) loginHost() string {
	if p.LoginHost != "" {
		return p.LoginHost
	}
	return DefaultLoginHost
}

func (p *Provider) init() {
	jar, _ := cookiejar.New(nil) // cookiejar.New with nil options never fails
	base := p.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	p.client = &http.Client{Jar: jar, Timeout: timeout, Transport: &loginTransport{base: base, host: p.loginHost(), login: p.Login}}
}

// loginTransport adds basic auth to requests to the login host (over HTTPS, or plain HTTP to a
// loopback address: tests), whatever redirect led there.
type loginTransport struct {
	base  http.RoundTripper
	host  string
	login Login
}

func (t *loginTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.EqualFold(r.URL.Host, t.host) && (r.URL.Scheme == "https" || isLoopback(r.URL.Hostname())) {
		r = r.Clone(r.Context())
		r.SetBasicAuth(t.login.User, t.login.Password)
	}
	return t.base.RoundTrip(r)
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// response is the endpoint's JSON body.
type response struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      string `json:"expiration"`
}

// expirationLayouts are the forms of "expiration": the documented "2021-01-27 00:50:09+00:00" and
// RFC 3339.
var expirationLayouts = []string{"2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05Z07:00", time.RFC3339Nano}

// ErrLoginRefused is wrapped by Retrieve's error when the login refused the user and password.
var ErrLoginRefused = errors.New("earthdata login refused the user and password")

// Retrieve fetches a new set of credentials. Errors name the URL; a refused login names the
// login's source (the netrc file and machine) and wraps ErrLoginRefused.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.once.Do(p.init)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: %w", p.URL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: %w", p.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: read body: %w", p.URL, err)
	}
	src := p.Login.Source
	if src == "" {
		src = "the given user and password"
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: %w at %s (HTTP %d from %s): check the login and password of %s",
			p.URL, ErrLoginRefused, p.loginHost(), resp.StatusCode, resp.Request.URL.Redacted(), src)
	}
	if strings.EqualFold(resp.Request.URL.Host, p.loginHost()) {
		// The login answered a page instead of redirecting back: a login form (basic auth not
		// taken) or a step only a browser can do (authorize the application, accept a EULA).
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: %s answered HTTP %d at %s instead of redirecting back: log in once in a browser to authorize the application or accept its EULA, and check the login and password of %s",
			p.URL, p.loginHost(), resp.StatusCode, resp.Request.URL.Redacted(), src)
	}
	if resp.StatusCode != http.StatusOK {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: HTTP %d from %s: %s", p.URL, resp.StatusCode, resp.Request.URL.Redacted(), snippet(body))
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: want JSON {accessKeyId, secretAccessKey, sessionToken, expiration}: %w (body %s)", p.URL, err, snippet(body))
	}
	if r.AccessKeyID == "" || r.SecretAccessKey == "" || r.SessionToken == "" {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: the JSON lacks accessKeyId, secretAccessKey or sessionToken", p.URL)
	}
	exp, err := parseExpiration(r.Expiration)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("s3 credentials from %s: %w", p.URL, err)
	}
	return aws.Credentials{AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, SessionToken: r.SessionToken,
		Source: "earthdata " + p.URL, CanExpire: true, Expires: exp}, nil
}

func parseExpiration(s string) (time.Time, error) {
	for _, l := range expirationLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("expiration %q: want \"2006-01-02 15:04:05+00:00\" or RFC 3339", s)
}

func snippet(b []byte) string {
	const max = 200
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
