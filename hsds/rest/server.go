package rest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/hsfan/hsfan/hsds/hdf"
	"github.com/hsfan/hsfan/hsds/store"
)

// Defaults and limits the server reports and enforces (HSDS config.yml).
const (
	// DefaultMaxRequestBytes is HSDS's max_request_size (100 MiB).
	DefaultMaxRequestBytes = 100 << 20
	// HSDSVersion is the HSDS version the server reports in /about and domain responses.
	HSDSVersion = "0.9.4"
	// DefaultServerName is the Server header and /about name.
	DefaultServerName = "hsfan"
	// maxJSONBody bounds JSON request bodies that are not values.
	maxJSONBody = 16 << 20
)

// Config configures a Server.
type Config struct {
	// Store holds the domains.
	Store store.Store
	// Bucket is used when a request names none (HSDS bucket_name).
	Bucket string
	// Users maps user names to passwords (see LoadPasswordFile).
	Users map[string]string
	// Groups maps user names to the groups they belong to (ACL keys "g:<group>").
	Groups map[string][]string
	// Admins are users that bypass ACL checks (HSDS admin_user).
	Admins []string
	// DenyNoauth disables unauthenticated GETs as user "default" (HSDS allow_noauth=false).
	DenyNoauth bool
	// ServerName is the Server header and the /about name ("hsfan" when empty).
	ServerName string
	// Endpoint prefixes hrefs (HSDS hsds_endpoint); empty uses the request's scheme and host.
	Endpoint string
	// Logger receives request logs at debug level and errors; nil discards.
	Logger *slog.Logger
	// MaxRequestBytes is HSDS's max_request_size (DefaultMaxRequestBytes when 0).
	MaxRequestBytes int64
	// Lambda marks a server running inside AWS Lambda: LambdaFunction becomes an admin user with
	// password "lambda", value responses are never streamed and GET values are limited to
	// (MaxRequestBytes-1000)/2 to leave room for hex encoding.
	Lambda bool
	// LambdaFunction is the function name (the caller reads AWS_LAMBDA_FUNCTION_NAME: cmd/worker
	// through worker.ConfigFromEnv); "" adds no Lambda user.
	LambdaFunction string
	// ReadConcurrency bounds the parallel chunk fetches of one request (16 when 0).
	ReadConcurrency int
	// ChunkCacheBytes bounds the decoded chunks kept for value reads, shared by all requests
	// and validated against the stored chunk on every use (hdf.ChunkCache); 0 caches none. The
	// cached bytes count in MaxInflightBytes and are evicted when a request needs the room.
	// `hsfan serve` defaults to DefaultChunkCacheBytes.
	ChunkCacheBytes int64
	// AccessLog logs every request at info level (debug otherwise).
	AccessLog bool
	// MaxInflightBytes bounds the memory all requests in flight may hold for bodies, decoded
	// values and responses, together with the chunk cache (DefaultMaxInflightBytes when 0, no bound when negative). A request
	// that does not fit is answered 503 with Retry-After.
	MaxInflightBytes int64
}

// Server is the HDF REST API as an http.Handler. It is safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	start  time.Time
	admins map[string]bool
	users  map[string]string

	mu        sync.Mutex
	deleted   map[string]bool // tombstones: "obj:<id>", "link:<gid>/<title>", "attr:<id>/<name>", "dom:<bucket><path>"
	reqCount  int64
	maxReqGet int64
	mem       *memBudget // nil: no bound
	chunks    *hdf.ChunkCache
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("rest server: no store")
	}
	if cfg.ServerName == "" {
		cfg.ServerName = DefaultServerName
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.ReadConcurrency <= 0 {
		cfg.ReadConcurrency = 16
	}
	s := &Server{cfg: cfg, log: cfg.Logger, start: time.Now(), admins: map[string]bool{},
		users: map[string]string{}, deleted: map[string]bool{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for u, p := range cfg.Users {
		s.users[u] = p
	}
	for _, a := range cfg.Admins {
		s.admins[a] = true
	}
	if cfg.Lambda {
		if fn := cfg.LambdaFunction; fn != "" {
			s.users[fn] = "lambda"
			s.admins[fn] = true
		}
	}
	s.maxReqGet = cfg.MaxRequestBytes
	switch {
	case cfg.MaxInflightBytes == 0:
		s.mem = &memBudget{limit: DefaultMaxInflightBytes}
	case cfg.MaxInflightBytes > 0:
		s.mem = &memBudget{limit: cfg.MaxInflightBytes}
	}
	s.chunks = hdf.NewChunkCache(cfg.ChunkCacheBytes)
	if s.chunks != nil && s.mem != nil {
		// The cache's bytes are held memory like a request's: counted in the budget, and
		// evicted when a request needs them.
		s.chunks.SetBudget(s.mem)
		s.mem.reclaim = s.chunks.Shrink
	}
	s.routes()
	return s, nil
}

// ServeHTTP answers one request: common headers, CORS, panic recovery, then the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	s.mu.Lock()
	s.reqCount++
	s.mu.Unlock()
	h := w.Header()
	h.Set("Server", s.cfg.ServerName)
	h.Set("X-XSS-Protection", "1; mode=block")
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		m := r.Header.Get("Access-Control-Request-Method")
		if m == "" {
			m = "GET, PUT, POST, DELETE, OPTIONS"
		}
		h.Set("Access-Control-Allow-Methods", m)
		if hd := r.Header.Get("Access-Control-Request-Headers"); hd != "" {
			h.Set("Access-Control-Allow-Headers", hd)
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	rw := &statusWriter{ResponseWriter: w}
	if s.mem != nil {
		var res *reservation
		r, res = withReservation(r, s.mem)
		defer res.releaseAll()
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			if !rw.wrote {
				writeError(rw, &apiError{code: http.StatusInternalServerError, msg: fmt.Sprintf("internal error: %v", p)})
			}
		}
		s.log.Log(r.Context(), s.reqLevel(), "request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", rw.status, "bytes", rw.n, "duration", time.Since(t0))
	}()
	s.mux.ServeHTTP(rw, r)
}

func (s *Server) reqLevel() slog.Level {
	if s.cfg.AccessLog {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Flush passes through to the underlying writer when it can flush.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// handlerFunc is a route handler that returns an error to be mapped to a status.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) wrap(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			ae := s.toAPIError(err)
			switch {
			case ae.code == http.StatusServiceUnavailable:
				// Load shed or cancelled: the client retries; not a server fault.
				s.log.Warn("request refused", "method", r.Method, "path", r.URL.Path, "error", err)
			case ae.code >= 500:
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
			}
			writeError(w, ae)
		}
	}
}

func (s *Server) routes() {
	m := http.NewServeMux()
	s.mux = m
	h := func(pattern string, fn handlerFunc) { m.HandleFunc(pattern, s.wrap(fn)) }
	h("GET /about", s.getAbout)
	h("GET /info", s.getInfo)
	h("GET /{$}", s.getDomain)
	h("PUT /{$}", s.putDomain)
	h("DELETE /{$}", s.deleteDomain)
	h("POST /{$}", s.postDomain)
	h("GET /domains", s.getDomains)
	h("GET /acls", s.getACLs)
	h("GET /acls/{user}", s.getACL)
	h("PUT /acls/{user}", s.putACL)

	h("GET /groups", s.getCollection("groups"))
	h("GET /groups/{$}", s.getGroup)
	h("POST /groups", s.postGroup)
	h("GET /groups/{id}", s.getGroup)
	h("DELETE /groups/{id}", s.deleteObject)
	h("GET /groups/{id}/links", s.getLinks)
	h("PUT /groups/{id}/links", s.putLinks)
	h("POST /groups/{id}/links", s.postLinks)
	h("DELETE /groups/{id}/links", s.deleteLinks)
	h("GET /groups/{id}/links/{title}", s.getLink)
	h("PUT /groups/{id}/links/{title}", s.putLink)
	h("DELETE /groups/{id}/links/{title}", s.deleteLink)

	h("GET /datasets", s.getCollection("datasets"))
	h("GET /datasets/{$}", s.getDataset)
	h("POST /datasets", s.postDataset)
	h("GET /datasets/{id}", s.getDataset)
	h("DELETE /datasets/{id}", s.deleteObject)
	h("GET /datasets/{id}/shape", s.getShape)
	h("PUT /datasets/{id}/shape", s.putShape)
	h("GET /datasets/{id}/type", s.getType)
	h("GET /datasets/{id}/value", s.getValue)
	h("POST /datasets/{id}/value", s.postValue)
	h("PUT /datasets/{id}/value", s.putValue)

	h("GET /datatypes", s.getCollection("datatypes"))
	h("GET /datatypes/{$}", s.getDatatype)
	h("POST /datatypes", s.postDatatype)
	h("GET /datatypes/{id}", s.getDatatype)
	h("DELETE /datatypes/{id}", s.deleteObject)

	for _, col := range []string{"groups", "datasets", "datatypes"} {
		p := "/" + col + "/{id}/attributes"
		h("GET "+p, s.getAttributes)
		h("PUT "+p, s.putAttributes)
		h("POST "+p, s.postAttributes)
		h("DELETE "+p, s.deleteAttributes)
		h("GET "+p+"/{name}", s.getAttribute)
		h("PUT "+p+"/{name}", s.putAttribute)
		h("DELETE "+p+"/{name}", s.deleteAttribute)
		h("GET "+p+"/{name}/value", s.getAttributeValue)
		h("PUT "+p+"/{name}/value", s.putAttributeValue)
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{code: http.StatusNotFound, msg: "no such route " + r.Method + " " + r.URL.Path})
	})
}

// tombstone records that key was deleted during this server's lifetime.
func (s *Server) tombstone(key string) {
	s.mu.Lock()
	s.deleted[key] = true
	s.mu.Unlock()
}

// untomb forgets a tombstone (the name was created again).
func (s *Server) untomb(key string) {
	s.mu.Lock()
	delete(s.deleted, key)
	s.mu.Unlock()
}

func (s *Server) isDeleted(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted[key]
}

// ctxKey is a private context key type.
type ctxKey int

const userKey ctxKey = 0

func userFrom(ctx context.Context) string {
	u, _ := ctx.Value(userKey).(string)
	return u
}
