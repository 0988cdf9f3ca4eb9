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
`

const serveExamples = `  hsfan serve --store file://data --addr 127.0.0.1:5101
  printf 'hsfan:secret\n' > passwd; hsfan serve --store file://data --password-file passwd --admin hsfan
  curl -s 'http://127.0.0.1:5101/?domain=/shared/sst/mur25.h5'
`

var serveGroups = []flagGroup{
	{"Server", []string{"addr", "endpoint", "max-request-bytes", "quiet"}},
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
	maxReq := new(int64)
	int64Var(fs, maxReq, "max-request-bytes", rest.DefaultMaxRequestBytes, 1, math.MaxInt64, "HSDS max_request_size")
	quiet := fs.Bool("quiet", false, "do not log every request")
	pos, err := parseCommand(fs, args, helpDoc{serveUsage, serveGroups, serveExamples}, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
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
	var adminList []string
	for _, a := range strings.Split(*admins, ",") {
		if a = strings.TrimSpace(a); a != "" {
			adminList = append(adminList, a)
		}
	}
	srv, err := rest.New(rest.Config{Store: st, Bucket: sf.bucket, Users: users, Admins: adminList,
		DenyNoauth: !*noauth, Endpoint: *endpoint, Logger: log, MaxRequestBytes: *maxReq, AccessLog: !*quiet})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(stdout, "hsfan serve: listening on http://%s (store %s, bucket %s)\n", ln.Addr(), sf.url, sf.bucket)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
