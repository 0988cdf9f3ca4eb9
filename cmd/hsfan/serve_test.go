package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunServe(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pw, []byte("# users\nadmin:secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pwr := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, []string{"--store", "file://" + filepath.Join(dir, "data"), "--bucket", "b",
			"--addr", "127.0.0.1:0", "--password-file", pw}, pwr, io.Discard)
		pwr.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.Fields(strings.TrimPrefix(line, "hsfan serve: listening on "))[0]
	req, _ := http.NewRequest("GET", url+"/about", nil)
	req.SetBasicAuth("admin", "secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var about map[string]any
	if err := json.NewDecoder(res.Body).Decode(&about); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if about["state"] != "READY" || about["isadmin"] != true {
		t.Errorf("about %v", about)
	}
	req, _ = http.NewRequest("PUT", url+"/?domain=/home", strings.NewReader(`{"folder": true}`))
	req.SetBasicAuth("admin", "secret")
	if res, err = http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("PUT /home: %v %v", err, res)
	}
	res.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "data", "b", "home", ".domain.json")); err != nil {
		t.Errorf("folder not in the POSIX layout: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if err := runServe(context.Background(), []string{"extra"}, io.Discard, io.Discard); err == nil {
		t.Error("want a usage error for a positional argument")
	}
}
