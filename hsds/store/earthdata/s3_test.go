package earthdata_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hsfan/hsfan/hsds/store"
	"github.com/hsfan/hsfan/hsds/store/earthdata"
	"github.com/hsfan/hsfan/internal/testutil/s3test"
)

// TestS3SignsWithSessionCredentials runs the flow through the SDK's signing: an S3 store whose
// Credentials are the endpoint's sends Authorization with the issued key ID and the region, the
// session token as X-Amz-Security-Token, and, with RequesterPays, x-amz-request-payer on GET and
// HEAD. A local endpoint records the headers (it does not check the signature).
func TestS3SignsWithSessionCredentials(t *testing.T) {
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	type seen struct{ method, auth, token, payer string }
	var mu sync.Mutex
	var got []seen
	s3srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, seen{r.Method, r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token"), r.Header.Get("X-Amz-Request-Payer")})
		mu.Unlock()
		w.Header().Set("ETag", `"`+store.ETagOf([]byte("chunk"))+`"`)
		w.Header().Set("Content-Length", "5")
		if r.Method == http.MethodGet {
			_, _ = w.Write([]byte("chunk"))
		}
	}))
	defer s3srv.Close()
	creds := earthdata.NewCredentials(f.provider(earthdata.Login{User: "alice", Password: "s3cret"}), 0)
	for _, payer := range []bool{false, true} {
		got = nil
		st, err := store.NewS3(context.Background(), store.Options{Endpoint: s3srv.URL, Region: "us-west-2", Credentials: creds, RequesterPays: payer})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Get(t.Context(), "podaac-ops-cumulus-protected", "MUR/x.nc"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetRange(t.Context(), "podaac-ops-cumulus-protected", "MUR/x.nc", 0, 5); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Stat(t.Context(), "podaac-ops-cumulus-protected", "MUR/x.nc"); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("requests %+v, want 3", got)
		}
		wantPayer := ""
		if payer {
			wantPayer = "requester"
		}
		for _, s := range got {
			if !strings.Contains(s.auth, "Credential=ASIAFAKE1/") || !strings.Contains(s.auth, "/us-west-2/s3/aws4_request") ||
				!strings.Contains(s.auth, "x-amz-security-token") || s.token != "session-token-1" || s.payer != wantPayer {
				t.Errorf("requester pays %v: %s: Authorization %q token %q payer %q", payer, s.method, s.auth, s.token, s.payer)
			}
		}
	}
	if f.issued.Load() != 1 {
		t.Fatalf("issued %d, want 1 (cached across stores)", f.issued.Load())
	}
}

// TestVersitygwRefusesSessionTokens pins why the signing test above uses a recording endpoint:
// versitygw (the local S3 of the other store tests) has no STS and refuses any request carrying
// X-Amz-Security-Token with InvalidToken, even one signed with its root key and secret. If it ever
// accepts them, turn this into an end-to-end read through the endpoint's credentials.
func TestVersitygwRefusesSessionTokens(t *testing.T) {
	srv := s3test.Start(t)
	srv.CreateBucket(t, "granules")
	if _, err := srv.Store(t).Put(t.Context(), "granules", "a.nc", []byte("0123456789"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	f := newFakeEDL(t, "alice", "s3cret", time.Hour)
	f.keyID, f.secret = srv.AccessKey, srv.SecretKey
	creds := earthdata.NewCredentials(f.provider(earthdata.Login{User: "alice", Password: "s3cret"}), 0)
	st, err := store.NewS3(context.Background(), store.Options{Endpoint: srv.Endpoint, Region: srv.Region, Credentials: creds, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.GetRange(t.Context(), "granules", "a.nc", 2, 3)
	if err == nil || !strings.Contains(err.Error(), "InvalidToken") {
		t.Fatalf("err %v: versitygw's handling of session tokens changed (want InvalidToken)", err)
	}
	if f.issued.Load() != 1 {
		t.Fatalf("issued %d, want 1", f.issued.Load())
	}
}
