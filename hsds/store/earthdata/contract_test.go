package earthdata_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store/earthdata"
)

// fakeEDL behaves as the documented endpoint (package doc): the credentials endpoint redirects a
// request without its session cookie to the login's /oauth/authorize, which takes basic auth and
// redirects back to the endpoint's /redirect with a code; /redirect sets the cookie and redirects
// to the endpoint again, which answers the JSON with an expiration lifetime ahead, in the
// documented "2021-01-27 00:50:09+00:00" form.
type fakeEDL struct {
	user, pass string
	lifetime   time.Duration
	// keyID and secret, when set, are the credentials issued (else ASIAFAKEn and "secret").
	keyID, secret string
	cred, urs     *httptest.Server
	logins        atomic.Int32 // accepted basic-auth logins
	issued        atomic.Int32 // credential sets issued
	mu            sync.Mutex
	codes         map[string]bool
	tokens        map[string]bool
}

func newFakeEDL(t *testing.T, user, pass string, lifetime time.Duration) *fakeEDL {
	f := &fakeEDL{user: user, pass: pass, lifetime: lifetime, codes: map[string]bool{}, tokens: map[string]bool{}}
	f.urs = httptest.NewServer(http.HandlerFunc(f.authorize))
	f.cred = httptest.NewServer(http.HandlerFunc(f.endpoint))
	t.Cleanup(f.urs.Close)
	t.Cleanup(f.cred.Close)
	return f
}

func (f *fakeEDL) loginHost() string { u, _ := url.Parse(f.urs.URL); return u.Host }

func (f *fakeEDL) authorize(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth/authorize" {
		http.NotFound(w, r)
		return
	}
	u, p, ok := r.BasicAuth()
	if !ok || u != f.user || p != f.pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="Please enter your Earthdata Login credentials"`)
		http.Error(w, "HTTP Basic: Access denied.", http.StatusUnauthorized)
		return
	}
	f.logins.Add(1)
	code := "code" + time.Now().Format("150405.000000000")
	f.mu.Lock()
	f.codes[code] = true
	f.mu.Unlock()
	back := r.URL.Query().Get("redirect_uri") + "?code=" + code + "&state=" + url.QueryEscape(r.URL.Query().Get("state"))
	http.Redirect(w, r, back, http.StatusFound)
}

func (f *fakeEDL) endpoint(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/redirect":
		code := r.URL.Query().Get("code")
		f.mu.Lock()
		ok := f.codes[code]
		delete(f.codes, code)
		tok := "tok-" + code
		f.tokens[tok] = ok
		f.mu.Unlock()
		if !ok {
			http.Error(w, "bad code", http.StatusBadRequest)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "accessToken", Value: tok, Path: "/", HttpOnly: true})
		http.Redirect(w, r, r.URL.Query().Get("state"), http.StatusFound)
	case "/s3credentials":
		c, err := r.Cookie("accessToken")
		f.mu.Lock()
		valid := err == nil && f.tokens[c.Value]
		f.mu.Unlock()
		if !valid {
			q := url.Values{"client_id": {"fake"}, "response_type": {"code"}, "redirect_uri": {f.cred.URL + "/redirect"}, "state": {"/s3credentials"}}
			http.Redirect(w, r, f.urs.URL+"/oauth/authorize?"+q.Encode(), http.StatusFound)
			return
		}
		n := f.issued.Add(1)
		keyID, secret := "ASIAFAKE"+string(rune('0'+n)), "secret"
		if f.keyID != "" {
			keyID, secret = f.keyID, f.secret
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"accessKeyId":     keyID,
			"secretAccessKey": secret,
			"sessionToken":    "session-token-" + string(rune('0'+n)),
			"expiration":      time.Now().UTC().Add(f.lifetime).Format("2006-01-02 15:04:05+00:00"),
		})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeEDL) provider(l earthdata.Login) *earthdata.Provider {
	return &earthdata.Provider{URL: f.cred.URL + "/s3credentials", Login: l, LoginHost: f.loginHost()}
}

func TestContractFetch(t *testing.T) {
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	c := earthdata.NewCredentials(f.provider(earthdata.Login{User: "alice", Password: "s3cret"}), 0)
	cr, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cr.AccessKeyID != "ASIAFAKE1" || cr.SecretAccessKey != "secret" || cr.SessionToken != "session-token-1" || !cr.CanExpire {
		t.Fatalf("credentials %+v", cr)
	}
	// The cache reports the expiration less its 10-minute window: one hour ahead becomes 50 minutes.
	if d := time.Until(cr.Expires); d < 49*time.Minute || d > 51*time.Minute {
		t.Fatalf("expires in %v, want about 1h - 10m", d)
	}
	// Cached: an hour ahead is outside the 10-minute window, so no second fetch.
	if _, err := c.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.issued.Load() != 1 || f.logins.Load() != 1 {
		t.Fatalf("issued %d logins %d, want 1 and 1", f.issued.Load(), f.logins.Load())
	}
}

func TestContractRenewal(t *testing.T) {
	// Credentials expiring in 5 minutes are inside the 10-minute window: each Retrieve renews, and
	// the session cookie spares the second login.
	f := newFakeEDL(t, "alice", "s3cret", 5*time.Minute)
	c := earthdata.NewCredentials(f.provider(earthdata.Login{User: "alice", Password: "s3cret"}), 10*time.Minute)
	a, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.issued.Load() != 2 || a.SessionToken == b.SessionToken || b.SessionToken != "session-token-2" {
		t.Fatalf("issued %d, tokens %q %q: want a second fetch", f.issued.Load(), a.SessionToken, b.SessionToken)
	}
	if f.logins.Load() != 1 {
		t.Fatalf("logins %d, want 1 (cookie reused)", f.logins.Load())
	}
}

func TestContractWrongPassword(t *testing.T) {
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	netrcPath := filepath.Join(t.TempDir(), ".netrc")
	if err := os.WriteFile(netrcPath, []byte("machine "+f.loginHost()+" login alice password wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := earthdata.LoginFromNetrc(netrcPath, f.loginHost())
	if err != nil {
		t.Fatal(err)
	}
	p := f.provider(l)
	_, err = earthdata.NewCredentials(p, 0).Retrieve(context.Background())
	if !errors.Is(err, earthdata.ErrLoginRefused) {
		t.Fatalf("err %v, want ErrLoginRefused", err)
	}
	for _, want := range []string{p.URL, "netrc " + netrcPath + " machine " + f.loginHost(), "HTTP 401"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %q shows the password", err)
	}
}

// TestContractLoginPage: a login that answers a page (an application to authorize, a EULA) instead
// of redirecting back is an error saying so, not a JSON parse failure.
func TestContractLoginPage(t *testing.T) {
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	f.urs.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>Authorize application</html>"))
	})
	_, err := f.provider(earthdata.Login{User: "alice", Password: "s3cret", Source: "netrc X machine Y"}).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "instead of redirecting back") || !strings.Contains(err.Error(), "netrc X machine Y") {
		t.Fatalf("err %v", err)
	}
}

func TestCredentialsOnlyToLoginHost(t *testing.T) {
	// The endpoint must never see the password: basic auth goes to the login host only.
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	var leaked atomic.Bool
	inner := f.cred.Config.Handler
	f.cred.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := r.BasicAuth(); ok {
			leaked.Store(true)
		}
		inner.ServeHTTP(w, r)
	})
	if _, err := f.provider(earthdata.Login{User: "alice", Password: "s3cret"}).Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if leaked.Load() {
		t.Fatal("the credentials endpoint received the basic auth")
	}
}

func TestBadResponses(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"not json", "<html>maintenance</html>", 200, "want JSON"},
		{"no token", `{"accessKeyId":"a","secretAccessKey":"b","expiration":"2030-01-01 00:00:00+00:00"}`, 200, "lacks"},
		{"bad expiration", `{"accessKeyId":"a","secretAccessKey":"b","sessionToken":"c","expiration":"tomorrow"}`, 200, `expiration "tomorrow"`},
		{"server error", "boom", 503, "HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			p := &earthdata.Provider{URL: srv.URL + "/s3credentials", LoginHost: "127.0.0.2:1"}
			_, err := p.Retrieve(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), srv.URL) {
				t.Fatalf("err %v, want %q and the URL", err, tt.want)
			}
		})
	}
}

func TestLoginFromNetrc(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".netrc")
	os.WriteFile(path, []byte("machine other login x password y\nmachine urs.earthdata.nasa.gov\n  login bob\n  password pw\n"), 0o600)
	nologin := filepath.Join(dir, "nologin")
	os.WriteFile(nologin, []byte("machine urs.earthdata.nasa.gov password pw\n"), 0o600)
	l, err := earthdata.LoginFromNetrc(path, earthdata.DefaultLoginHost)
	if err != nil || l.User != "bob" || l.Password != "pw" {
		t.Fatalf("login %+v err %v", l, err)
	}
	for _, tt := range []struct{ path, machine, want string }{
		{filepath.Join(dir, "missing"), earthdata.DefaultLoginHost, "read netrc"},
		{path, "elsewhere", "has no machine elsewhere"},
		{nologin, earthdata.DefaultLoginHost, "needs both login and password"},
	} {
		if _, err := earthdata.LoginFromNetrc(tt.path, tt.machine); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %s: err %v, want %q", tt.path, tt.machine, err, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("machine 127.0.0.1 login alice password s3cret\n"), 0o600)
	url := f.cred.URL + "/s3credentials"
	tests := []struct {
		name string
		c    earthdata.Config
		want string // "" = success
	}{
		{"netrc", earthdata.Config{URL: url, NetrcPath: good, LoginHost: f.loginHost()}, ""},
		{"user and password", earthdata.Config{URL: url, User: "alice", Password: "s3cret", UserSource: "env", LoginHost: f.loginHost()}, ""},
		{"wrong password", earthdata.Config{URL: url, User: "alice", Password: "nope", UserSource: "environment EARTHDATA_PASSWORD", LoginHost: f.loginHost()}, "check the login and password of environment EARTHDATA_PASSWORD"},
		{"no login", earthdata.Config{URL: url, LoginHost: f.loginHost()}, "no Earthdata login"},
		{"netrc lacks machine", earthdata.Config{URL: url, NetrcPath: good}, "has no machine urs.earthdata.nasa.gov"},
		{"bad url", earthdata.Config{URL: "ftp://x/s3credentials", NetrcPath: good}, "want https://HOST/s3credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := earthdata.Open(context.Background(), tt.c)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cr, err := p.Retrieve(context.Background()); err != nil || cr.SessionToken == "" {
					t.Fatalf("%+v %v", cr, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}
