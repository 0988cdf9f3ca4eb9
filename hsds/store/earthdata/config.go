package earthdata

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Config names a credentials endpoint and where its login comes from; callers fill it from flags
// and the environment (read in main).
type Config struct {
	// URL is the credentials endpoint (https://.../s3credentials).
	URL string
	// User and Password, when both set, are the login (e.g. from EARTHDATA_USERNAME and
	// EARTHDATA_PASSWORD, earthaccess's variables); UserSource says where they came from.
	User, Password, UserSource string
	// NetrcPath is the netrc file read otherwise, for machine LoginHost.
	NetrcPath string
	// LoginHost is the Earthdata Login host[:port]; DefaultLoginHost when empty.
	LoginHost string
	// Transport is the HTTP transport of the fetches; http.DefaultTransport when nil.
	Transport http.RoundTripper
	// ExpiryWindow is how long before expiration the credentials are renewed; DefaultExpiryWindow
	// when zero.
	ExpiryWindow time.Duration
}

// Open is Provider plus one fetch, so a wrong URL or password fails here, naming them, not at the
// first read.
func Open(ctx context.Context, c Config) (aws.CredentialsProvider, error) {
	cache, err := c.Provider()
	if err != nil {
		return nil, err
	}
	if _, err := cache.Retrieve(ctx); err != nil {
		return nil, err
	}
	return cache, nil
}

// Provider resolves the login (reading the netrc file) and returns the renewing provider for
// store.Options.Credentials without fetching: the first signed request fetches.
func (c Config) Provider() (*aws.CredentialsCache, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("s3 credentials url %q: want https://HOST/s3credentials", c.URL)
	}
	host := c.LoginHost
	if host == "" {
		host = DefaultLoginHost
	}
	var login Login
	switch {
	case c.User != "" && c.Password != "":
		login = Login{User: c.User, Password: c.Password, Source: c.UserSource}
	case c.NetrcPath == "":
		return nil, fmt.Errorf("s3 credentials from %s: no Earthdata login: give a netrc file with machine %s, or a user and password", c.URL, host)
	default:
		machine := host
		if h, _, err := splitHostPort(host); err == nil {
			machine = h
		}
		if login, err = LoginFromNetrc(c.NetrcPath, machine); err != nil {
			return nil, fmt.Errorf("s3 credentials from %s: %w", c.URL, err)
		}
	}
	p := &Provider{URL: c.URL, Login: login, LoginHost: host, Transport: c.Transport}
	return NewCredentials(p, c.ExpiryWindow), nil
}

// splitHostPort is net.SplitHostPort for "host" or "host:port".
func splitHostPort(hp string) (string, string, error) {
	u, err := url.Parse("//" + hp)
	if err != nil {
		return "", "", err
	}
	return u.Hostname(), u.Port(), nil
}
