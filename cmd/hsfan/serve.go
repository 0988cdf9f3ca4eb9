package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hsfan/hsfan/hsds/rest"
)

const serveUsage = `Usage: hsfan serve [flags]

Serves the HDF REST API (HSDS-compatible) over HTTP, for h5pyd (HS_ENDPOINT=http://ADDR) and curl.
Users come from a password file of "user:password" lines; unauthenticated GETs run as "default"
unless --allow-noauth=false. Stops gracefully on interrupt (Ctrl-C).

Credentials: without --password-file there are no users, and every request runs as "default":
reads of the domains 'hsfan gen' writes work out of the box (they carry the ACL "default": read),
writes need a user. For h5pyd set HS_ENDPOINT=http://ADDR, and for writes HS_USERNAME and
HS_PASSWORD to a user of the password file (owner of the domain, or an --admin).

Memory: --max-inflight-bytes bounds what requests in flight reserve together with the chunk cache
(--chunk-cache-bytes, evicted for requests); a request that does not fit is answered 503 with
Retry-After. A single request larger than the whole budget is not refused for its size: alone, it
runs (reserving the whole budget, so memory in use exceeds the budget by that request); while other
requests hold bytes it gets 503. Large reads thus run one at a time rather than never.
`

const serveExamples = `  hsfan serve --store file://data --addr 127.0.0.1:5101
  printf 'hsfan:secret\n' > passwd; hsfan serve --store file://data --password-file passwd --admin hsfan
  curl -s 'http://127.0.0.1:5101/?domain=/shared/sst/mur25.h5'
`

var serveGroups = []flagGroup{
	{"Server", []string{"addr", "endpoint", "max-request-bytes", "quiet", "sweep-temp-age"}},
	{"Limits", []string{"chunk-cache-bytes", "max-inflight-bytes", "max-conns", "read-header-timeout", "idle-timeout", "transfer-grace", "min-transfer-rate"}},
	{"Users", []string{"password-file", "admin", "allow-noauth"}},
	storeGroup,
}

// runServe runs `hsfan serve` until ctx is cancelled, then shuts the server down gracefully.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:5101", "listen address")
	pwFile := fs.String("password-file", "", "password file of user:password lines")
	admins := fs.String("admin", "admin", "admin user(s), comma separated")
	noauth := fs.Bool("allow-noauth", true, "allow unauthenticated GETs as user \"default\"")
	endpoint := fs.String("endpoint", "", "URL prefix for hrefs (default: the request's host)")
	maxReq, chunkCache := new(int64), new(int64)
	int64Var(fs, maxReq, "max-request-bytes", rest.DefaultMaxRequestBytes, 1, math.MaxInt64, "HSDS max_request_size")
	int64Var(fs, chunkCache, "chunk-cache-bytes", rest.DefaultChunkCacheBytes, 0, math.MaxInt64,
		"bytes of decoded chunks kept for value reads, shared by all requests, checked against the stored chunk on every use and counted in --max-inflight-bytes (0: none; default: HSDS's 4 data nodes x 128 MiB; at most --max-inflight-bytes, and clamped to half of it when only that is lowered)")
	quiet := fs.Bool("quiet", false, "do not log every request")
	inflight, minRate := new(int64), new(int64)
	headerTimeout, idleTimeout, grace, tempAge := new(time.Duration), new(time.Duration), new(time.Duration), new(time.Duration)
	maxConns := new(int)
	int64Var(fs, inflight, "max-inflight-bytes", rest.DefaultMaxInflightBytes, -1, math.MaxInt64,
		"memory all requests in flight may hold for bodies, decoded values and responses, with the chunk cache (evicted for requests); more is answered 503 with Retry-After (-1: no bound). A request needing more than the whole budget is let through when it is alone (it takes all of it), so memory can exceed the budget by that one request; while others hold bytes it gets 503")
	durationVar(fs, headerTimeout, "read-header-timeout", rest.DefaultReadHeaderTimeout, time.Millisecond, 24*time.Hour, "time a client has to send a request's headers")
	durationVar(fs, idleTimeout, "idle-timeout", rest.DefaultIdleTimeout, time.Millisecond, 24*time.Hour, "close keep-alive connections idle this long")
	durationVar(fs, grace, "transfer-grace", rest.DefaultTransferGrace, -time.Second, 24*time.Hour,
		"time a request body or response write may take beyond what --min-transfer-rate allows (-1s: no body or write deadlines)")
	int64Var(fs, minRate, "min-transfer-rate", rest.DefaultMinTransferRate, 0, math.MaxInt64,
		"slowest sustained body or response rate in bytes/s; slower transfers are cut off after --transfer-grace")
	intVar(fs, maxConns, "max-conns", 0, -1, 1<<20,
		"most open connections; further clients wait until one closes (0: 3/4 of the open-file limit, at most 1024; -1: no limit)")
	durationVar(fs, tempAge, "sweep-temp-age", 10*time.Minute, 0, 365*24*time.Hour,
		"at start-up, remove temporary files of interrupted writes older than this (file:// stores; 0 disables)")
	pos, err := parseCommand(fs, args, helpDoc{serveUsage, serveGroups, serveExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *chunkCache, err = cacheInBudget(*chunkCache, flagSet(fs, "chunk-cache-bytes"), *inflight, log); err != nil {
		return err
	}
	setMemoryLimit(*inflight)
	users := map[string]string{}
	if *pwFile != "" {
		if users, err = rest.LoadPasswordFile(*pwFile); err != nil {
			return err
		}
	}
	if *pwFile == "" {
		if *noauth {
			log.Info("no --password-file: every request runs as the user \"default\"; it reads the domains whose ACLs allow \"default\" (hsfan gen gives \"default\": read), others answer 403 and writes need a user: give --password-file with a line OWNER:PASSWORD (hsfan gen's owner is \"hsfan\")")
		} else {
			log.Warn("no --password-file and --allow-noauth=false: every request will be refused (401)")
		}
	}
	st, err := sf.openMode(ctx, true)
	if err != nil {
		return err
	}
	if err := sweepTemps(ctx, st, *tempAge, log); err != nil {
		return err
	}
	var adminList []string
	for _, a := range strings.Split(*admins, ",") {
		if a = strings.TrimSpace(a); a != "" {
			adminList = append(adminList, a)
		}
	}
	srv, err := rest.New(rest.Config{Store: st, Bucket: sf.bucket, Users: users, Admins: adminList,
		DenyNoauth: !*noauth, Endpoint: *endpoint, Logger: log, MaxRequestBytes: *maxReq, AccessLog: !*quiet,
		MaxInflightBytes: *inflight, ChunkCacheBytes: *chunkCache})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	if *maxConns == 0 {
		*maxConns = defaultMaxConns()
	}
	lim := rest.TransportLimits{ReadHeaderTimeout: *headerTimeout, IdleTimeout: *idleTimeout,
		TransferGrace: *grace, MinTransferRate: *minRate, MaxConns: *maxConns}
	hs := lim.HTTPServer(srv, log)
	fmt.Fprintf(stdout, "hsfan serve: listening on http://%s (store %s, bucket %s)\n", ln.Addr(), sf.url, sf.bucket)
	log.Info("limits", "max_inflight_bytes", *inflight, "max_conns", *maxConns, "read_header_timeout", *headerTimeout,
		"idle_timeout", *idleTimeout, "transfer_grace", *grace, "min_transfer_rate", *minRate)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(lim.Listener(ln)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("server stopped")
	return nil
}

// setMemoryLimit gives the Go runtime a soft memory limit of the in-flight budget plus room
// for the server itself (unless GOMEMLIMIT set one), so that the garbage collector works
// harder before the heap outgrows the budget instead of letting it reach twice the live data
// (GOGC). It is a soft limit: the budget, not the collector, is what refuses requests.
func setMemoryLimit(inflight int64) {
	if inflight <= 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return
	}
	debug.SetMemoryLimit(inflight + 64<<20)
}

// cacheInBudget checks the decoded-chunk cache against the in-flight budget it counts in
// (rest.Config.ChunkCacheBytes): a cache larger than the budget could never fill, so an explicit
// --chunk-cache-bytes above --max-inflight-bytes is a usage error naming both. The default cache
// (rest.DefaultChunkCacheBytes, 512 MiB) is within the default budget (rest.DefaultMaxInflightBytes,
// a constant 1 GiB whatever the machine), so defaults never trip this; when only the budget is
// lowered below the default cache, the cache is clamped to half the budget (as the defaults leave
// requests half) with a log line. A budget of -1 (no bound) takes any cache.
func cacheInBudget(cache int64, cacheSet bool, inflight int64, log *slog.Logger) (int64, error) {
	budget := inflight
	if budget == 0 {
		budget = rest.DefaultMaxInflightBytes
	}
	if budget < 0 || cache <= budget {
		return cache, nil
	}
	if cacheSet {
		return 0, usagef("--chunk-cache-bytes %d is larger than --max-inflight-bytes %d: the cache counts inside the in-flight budget and could never hold more; give --chunk-cache-bytes at most %d, or raise --max-inflight-bytes (-1: no bound)",
			cache, budget, budget)
	}
	log.Info("chunk cache clamped: the default --chunk-cache-bytes is larger than --max-inflight-bytes, which it counts in; using half the budget",
		"default_chunk_cache_bytes", cache, "max_inflight_bytes", budget, "chunk_cache_bytes", budget/2)
	return budget / 2, nil
}
