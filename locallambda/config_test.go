package locallambda

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidation(t *testing.T) {
	echoPath := needEcho(t)
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"no functions", Config{}, "no functions"},
		{"bad name", Config{Functions: map[string]FunctionConfig{"a b": {Path: echoPath}}}, "invalid character"},
		{"no path", Config{Functions: map[string]FunctionConfig{"f": {}}}, "no bootstrap path"},
		{"missing", Config{Functions: map[string]FunctionConfig{"f": {Path: filepath.Join(dir, "nope")}}}, "no such file"},
		{"directory", Config{Functions: map[string]FunctionConfig{"f": {Path: dir}}}, "not an executable"},
		{"not executable", Config{Functions: map[string]FunctionConfig{"f": {Path: noexec}}}, "not an executable"},
		{"negative concurrency", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath, Concurrency: -1}}}, "negative concurrency"},
		{"negative timeout", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath, Timeout: -time.Second}}}, "negative timeout"},
		{"negative memory", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath, MemoryMB: -1}}}, "negative memory"},
		{"bad rate", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath}}, Faults: Faults{FailRate: 1.5}}, "fail rate 1.5"},
		{"NaN rate", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath}}, Faults: Faults{CrashRate: nan()}}, "crash rate NaN"},
		{"negative delay", Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath}}, Faults: Faults{Delay: -1}}, "negative delay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		t.Setenv("AWS_REGION", "ap-south-1") // not read: the library takes no environment
		c, err := Config{Functions: map[string]FunctionConfig{"f": {Path: echoPath}}}.normalize()
		if err != nil {
			t.Fatal(err)
		}
		fc := c.Functions["f"]
		if fc.Concurrency != DefaultConcurrency || fc.Timeout != DefaultTimeout || fc.MemoryMB != DefaultMemoryMB ||
			fc.InitTimeout != DefaultInitTimeout || c.Region != DefaultRegion || c.AccountID != DefaultAccountID || c.Logger == nil {
			t.Errorf("defaults not applied: %+v %+v", c, fc)
		}
	})
}

func nan() float64 {
	z := 0.0
	return z / z
}

func TestFaultSourceDeterministic(t *testing.T) {
	cfg := Faults{ThrottleRate: 0.3, FailRate: 0.2, CrashRate: 0.1, Seed: 42}
	a, b := newFaultSource(cfg), newFaultSource(cfg)
	var n faultDraw
	counts := [3]int{}
	for i := 0; i < 10000; i++ {
		x, y := a.draw(), b.draw()
		if x != y {
			t.Fatalf("draw %d differs: %+v %+v", i, x, y)
		}
		if x.throttle {
			counts[0]++
		}
		if x.fail {
			counts[1]++
		}
		if x.crash {
			counts[2]++
		}
	}
	for i, want := range []int{3000, 2000, 1000} {
		if counts[i] < want*8/10 || counts[i] > want*12/10 {
			t.Errorf("fault %d drawn %d times in 10000, want about %d", i, counts[i], want)
		}
	}
	if d := newFaultSource(Faults{}).draw(); d != n {
		t.Errorf("zero config drew %+v", d)
	}
}

func TestSandboxEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDPARENT")
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7070")
	t.Setenv("AWS_LAMBDA_FUNCTION_NAME", "parent-should-not-leak")
	t.Setenv("HSFAN_STORE", "file:///data")
	t.Setenv("UNRELATED_SECRET", "x")
	f := &function{name: "fn", cfg: FunctionConfig{Path: "/opt/fn/bootstrap", MemoryMB: 512,
		Env: map[string]string{"MY_VAR": "1", "AWS_REGION": "overridden-by-lambda"}}}
	env := map[string]string{}
	for _, kv := range sandboxEnv(f, os.Environ(), "eu-central-1", "127.0.0.1:1234", "abc") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	want := map[string]string{
		"AWS_ACCESS_KEY_ID":               "AKIDPARENT",
		"AWS_ENDPOINT_URL_S3":             "http://127.0.0.1:7070",
		"AWS_LAMBDA_FUNCTION_NAME":        "fn",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
		"AWS_LAMBDA_RUNTIME_API":          "127.0.0.1:1234",
		"AWS_REGION":                      "eu-central-1",
		"HSFAN_STORE":                     "file:///data",
		"MY_VAR":                          "1",
		"_HANDLER":                        "bootstrap",
		"LAMBDA_TASK_ROOT":                "/opt/fn",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["UNRELATED_SECRET"]; ok {
		t.Errorf("unrelated variable passed through")
	}
}
