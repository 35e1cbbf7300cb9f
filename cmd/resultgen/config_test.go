package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
)

// configHome gives the test a fresh resultgen home and user home, clears the
// settings from the environment and returns the resultgen home.
func configHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "rg")
	t.Setenv(settings.Home, home)
	t.Setenv("HOME", t.TempDir())
	for _, name := range settings.Names() {
		t.Setenv(name, "") // empty counts as unset
	}
	return home
}

// call runs one of the command functions and returns its exit code, stdout
// and stderr.
// call runs "resultgen GROUP ARGS".
func call(group string, args ...string) (int, string, string) {
	return runCLI(append([]string{group}, args...)...)
}

// viewRows runs "config view" and returns each setting's value and source.
func viewRows(t *testing.T) (map[string][2]string, string) {
	t.Helper()
	code, out, errs := call("config", "view")
	if code != 0 {
		t.Fatalf("config view: exit %d\n%s", code, errs)
	}
	rows := map[string][2]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && strings.HasPrefix(f[0], "RESULTGEN_") {
			rows[f[0]] = [2]string{f[1], f[2]}
		}
	}
	return rows, out
}

func TestConfigSetViewUnset(t *testing.T) {
	home := configHome(t)
	wd := t.TempDir()
	t.Chdir(wd)
	wd, _ = os.Getwd()

	rows, out := viewRows(t)
	want := map[string][2]string{
		settings.Home:              {home, "env"},
		settings.PersistByDefault:  {"false", "default"},
		settings.LocalStoragePath:  {filepath.Join(home, "storage"), "default"},
		settings.DefaultSerializer: {"msgpack", "default"},
		settings.DefaultStorage:    {"(local)", "default"},
		settings.RefreshCache:      {"false", "default"},
		settings.LoggingLevel:      {"WARNING", "default"},
		settings.LeaseTTL:          {"30s", "default"},
		settings.LockWaitTimeout:   {"0s", "default"},
		settings.ExplainMisses:     {"false", "default"},
		settings.VerifyHits:        {"0", "default"},
	}
	for k, w := range want {
		if rows[k] != w {
			t.Errorf("fresh view: %s = %v, want %v\n%s", k, rows[k], w, out)
		}
	}
	if !strings.Contains(out, "not created yet") || !strings.Contains(out, "no blocks") {
		t.Errorf("fresh view does not say the profile and blocks are missing:\n%s", out)
	}

	code, stdout, stderr := call("config", "set",
		"RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=yes",
		"RESULTGEN_LOCAL_STORAGE_PATH=data",
		"RESULTGEN_RESULTS_DEFAULT_SERIALIZER=json",
		"RESULTGEN_DEFAULT_RESULT_STORAGE=s3/prod",
		"RESULTGEN_LOGGING_LEVEL=info",
		"RESULTGEN_LEASE_TTL=90s",
		"RESULTGEN_LOCK_WAIT_TIMEOUT=10m",
		"RESULTGEN_EXPLAIN_MISSES=on",
		"RESULTGEN_VERIFY_HITS=.10")
	if code != 0 {
		t.Fatalf("config set: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "set RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true in "+filepath.Join(home, "config.toml")) ||
		!strings.Contains(stdout, "set RESULTGEN_LOGGING_LEVEL=INFO in ") ||
		!strings.Contains(stdout, "set RESULTGEN_LEASE_TTL=1m30s in ") ||
		!strings.Contains(stdout, "set RESULTGEN_VERIFY_HITS=0.1 in ") ||
		!strings.Contains(stdout, "set RESULTGEN_LOCK_WAIT_TIMEOUT=10m0s in ") {
		t.Errorf("config set output:\n%s", stdout)
	}
	if !strings.Contains(stderr, "no block s3/prod") {
		t.Errorf("config set did not note the missing block:\n%s", stderr)
	}
	fi, err := os.Stat(filepath.Join(home, "config.toml"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("config.toml: %v, mode %v; want mode 0600", err, fi.Mode())
	}

	rows, out = viewRows(t)
	want[settings.PersistByDefault] = [2]string{"true", "profile"}
	want[settings.LocalStoragePath] = [2]string{filepath.Join(wd, "data"), "profile"}
	want[settings.DefaultSerializer] = [2]string{"json", "profile"}
	want[settings.DefaultStorage] = [2]string{"s3/prod", "profile"}
	want[settings.LoggingLevel] = [2]string{"INFO", "profile"}
	want[settings.LeaseTTL] = [2]string{"1m30s", "profile"}
	want[settings.LockWaitTimeout] = [2]string{"10m0s", "profile"}
	want[settings.ExplainMisses] = [2]string{"true", "profile"}
	want[settings.VerifyHits] = [2]string{"0.1", "profile"}
	for k, w := range want {
		if rows[k] != w {
			t.Errorf("view after set: %s = %v, want %v\n%s", k, rows[k], w, out)
		}
	}

	// The environment beats the profile, and set says so.
	t.Setenv(settings.DefaultSerializer, "gob")
	code, _, stderr = call("config", "set", "RESULTGEN_RESULTS_DEFAULT_SERIALIZER=compressed/json")
	if code != 0 || !strings.Contains(stderr, "set in the environment, which beats the profile") {
		t.Errorf("set under an env override: exit %d, stderr:\n%s", code, stderr)
	}
	rows, out = viewRows(t)
	if w := [2]string{"gob", "env"}; rows[settings.DefaultSerializer] != w {
		t.Errorf("view with env: serializer = %v, want %v\n%s", rows[settings.DefaultSerializer], w, out)
	}
	t.Setenv(settings.DefaultSerializer, "")
	t.Setenv(settings.LoggingLevel, "debug")
	if rows, out = viewRows(t); rows[settings.LoggingLevel] != [2]string{"DEBUG", "env"} {
		t.Errorf("view with env: level = %v, want [DEBUG env]\n%s", rows[settings.LoggingLevel], out)
	}
	t.Setenv(settings.LoggingLevel, "")

	code, stdout, stderr = call("config", "unset", settings.DefaultStorage, settings.LocalStoragePath, settings.RefreshCache)
	if code != 0 {
		t.Fatalf("config unset: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "unset RESULTGEN_DEFAULT_RESULT_STORAGE in") || !strings.Contains(stdout, "RESULTGEN_TASKS_REFRESH_CACHE was not set") {
		t.Errorf("config unset output:\n%s", stdout)
	}
	rows, out = viewRows(t)
	want[settings.LocalStoragePath] = [2]string{filepath.Join(home, "storage"), "default"}
	want[settings.DefaultStorage] = [2]string{"(local)", "default"}
	want[settings.DefaultSerializer] = [2]string{"compressed/json", "profile"}
	for k, w := range want {
		if rows[k] != w {
			t.Errorf("view after unset: %s = %v, want %v\n%s", k, rows[k], w, out)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		profile string // written before the call when not ""
		code    int
		wantIn  []string // in stderr (stdout for exit 0)
	}{
		{"no command", nil, "", 2, []string{"Usage:", "config set KEY=VALUE"}},
		{"help", []string{"-h"}, "", 0, []string{"Examples:", "RESULTGEN_TASKS_REFRESH_CACHE"}},
		{"set help", []string{"set", "-h"}, "", 0, []string{"Examples:"}},
		{"unknown command", []string{"get"}, "", 2, []string{`unknown command "get"`, "set, unset and view"}},
		{"set nothing", []string{"set"}, "", 2, []string{"no KEY=VALUE"}},
		{"set without value", []string{"set", "RESULTGEN_TASKS_REFRESH_CACHE"}, "", 2, []string{"not KEY=VALUE", "config unset"}},
		{"set unknown key", []string{"set", "RESULTGEN_PERSIST=true"}, "", 2, []string{"RESULTGEN_PERSIST", "unknown setting", "known settings", "nothing changed"}},
		{"set bad boolean", []string{"set", "RESULTGEN_TASKS_REFRESH_CACHE=maybe"}, "", 2, []string{"RESULTGEN_TASKS_REFRESH_CACHE", "not a boolean", "true or false"}},
		{"set bad fraction", []string{"set", "RESULTGEN_VERIFY_HITS=10%"}, "", 2, []string{"RESULTGEN_VERIFY_HITS", "not a number", "number from 0 to 1"}},
		{"set fraction above 1", []string{"set", "RESULTGEN_VERIFY_HITS=2"}, "", 2, []string{"RESULTGEN_VERIFY_HITS", "above 1"}},
		{"view fraction as a TOML number", []string{"view"}, "RESULTGEN_VERIFY_HITS = 0.05\n", 0, []string{"RESULTGEN_VERIFY_HITS", "0.05", "profile"}},
		{"help lists verify hits", []string{"-h"}, "", 0, []string{"RESULTGEN_VERIFY_HITS", "fraction of cache hits"}},
		{"set bad storage", []string{"set", "RESULTGEN_DEFAULT_RESULT_STORAGE=gcs/X"}, "", 2, []string{`block name "X" must be lowercase`}},
		{"set bad level", []string{"set", "RESULTGEN_LOGGING_LEVEL=verbose"}, "", 2, []string{"RESULTGEN_LOGGING_LEVEL", "not a logging level", "DEBUG, INFO, WARNING (or WARN) or ERROR"}},
		{"view bad level", []string{"view"}, "RESULTGEN_LOGGING_LEVEL = \"loud\"\n", 1, []string{"config.toml", "RESULTGEN_LOGGING_LEVEL", "DEBUG, INFO, WARNING (or WARN) or ERROR"}},
		{"help lists the level", []string{"-h"}, "", 0, []string{"RESULTGEN_LOGGING_LEVEL", "DEBUG, INFO, WARNING or ERROR"}},
		{"set bad lease ttl", []string{"set", "RESULTGEN_LEASE_TTL=soon"}, "", 2, []string{"RESULTGEN_LEASE_TTL", "not a duration", "Go duration of at least 1s"}},
		{"help lists the lease ttl", []string{"-h"}, "", 0, []string{"RESULTGEN_LEASE_TTL", "renewed every TTL/3"}},
		{"set one bad of two", []string{"set", "RESULTGEN_TASKS_REFRESH_CACHE=true", "RESULTGEN_RESULTS_DEFAULT_SERIALIZER=a b"}, "", 2, []string{"nothing changed"}},
		{"set twice", []string{"set", "RESULTGEN_TASKS_REFRESH_CACHE=true", "RESULTGEN_TASKS_REFRESH_CACHE=false"}, "", 2, []string{"given twice"}},
		{"set home", []string{"set", "RESULTGEN_HOME=/x"}, "", 2, []string{"only be set in the environment"}},
		{"set aws credential", []string{"set", "AWS_SECRET_ACCESS_KEY=abc"}, "", 2, []string{"standard AWS variables"}},
		{"set credential flag", []string{"set", "--secret-key=abc"}, "", 2, []string{"never takes credentials", "AWS_SECRET_ACCESS_KEY"}},
		{"unset nothing", []string{"unset"}, "", 2, []string{"no KEY"}},
		{"unset unknown", []string{"unset", "RESULTGEN_NOPE"}, "", 2, []string{"RESULTGEN_NOPE", "unknown setting"}},
		{"unset with value", []string{"unset", "RESULTGEN_TASKS_REFRESH_CACHE=true"}, "", 2, []string{"KEY alone"}},
		{"view arguments", []string{"view", "x"}, "", 2, []string{"takes no arguments"}},
		{"view unknown flag", []string{"view", "-json"}, "", 2, []string{"flag provided but not defined"}},
		{"view bad profile", []string{"view"}, "RESULTGEN_TASKS_REFRESH_CACHE = 7\n", 1, []string{"config.toml", "RESULTGEN_TASKS_REFRESH_CACHE", "true or false"}},
		{"set on bad profile", []string{"set", "RESULTGEN_TASKS_REFRESH_CACHE=true"}, "[oops\n", 1, []string{"config.toml:1:", "TOML"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := configHome(t)
			file := filepath.Join(home, "config.toml")
			if tt.profile != "" {
				if err := os.MkdirAll(home, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(tt.profile), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := call("config", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			text := stderr
			if tt.code == 0 {
				text = stdout + stderr
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			// A failed command changes nothing.
			data, err := os.ReadFile(file)
			switch {
			case tt.profile == "" && err == nil:
				t.Errorf("a failed command wrote %s:\n%s", file, data)
			case tt.profile != "" && string(data) != tt.profile:
				t.Errorf("a failed command changed %s:\n%s", file, data)
			}
		})
	}
}

func TestBlockRoundTrip(t *testing.T) {
	home := configHome(t)
	wd := t.TempDir()
	t.Chdir(wd)
	wd, _ = os.Getwd()

	code, stdout, stderr := call("block", "ls")
	if code != 0 || !strings.Contains(stdout, "no blocks") {
		t.Fatalf("ls on a fresh home: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = call("block", "create", "s3/prod", "--url", "s3://results/team-a",
		"--endpoint", "127.0.0.1:9000", "--region=us-east-1", "--insecure")
	if code != 0 || !strings.Contains(stdout, "created block s3/prod") {
		t.Fatalf("create s3/prod: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = call("block", "create", "--path", "scratch", "local/scratch")
	if code != 0 {
		t.Fatalf("create local/scratch: exit %d\n%s", code, stderr)
	}

	code, stdout, _ = call("block", "ls")
	if code != 0 {
		t.Fatalf("ls: exit %d", code)
	}
	wantLines := [][]string{
		{"local/scratch", filepath.Join(wd, "scratch"), "-", "-", "false", "-"},
		{"s3/prod", "s3://results/team-a", "127.0.0.1:9000", "us-east-1", "true", "-"},
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("ls printed %d lines, want a header and 2 blocks:\n%s", len(lines), stdout)
	}
	for i, w := range wantLines {
		if got := strings.Fields(lines[i+1]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("ls line %d = %q, want %q", i+1, got, w)
		}
	}

	// The runtime sees the same blocks.
	s, err := settings.LoadFrom(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Block("s3/prod")
	if want := (settings.Block{Slug: "s3/prod", URL: "s3://results/team-a", Endpoint: "127.0.0.1:9000", Region: "us-east-1", Insecure: true}); err != nil || b != want {
		t.Errorf("settings block = %+v, %v; want %+v", b, err, want)
	}

	// Creating over an existing block needs --force.
	code, _, stderr = call("block", "create", "s3/prod", "--url", "s3://other")
	if code != 1 || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "-force") {
		t.Errorf("create existing: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr = call("block", "create", "s3/prod", "--url", "s3://other", "--force")
	if code != 0 || !strings.Contains(stdout, "replaced block s3/prod") {
		t.Errorf("create --force: exit %d\n%s%s", code, stdout, stderr)
	}

	// config view lists the blocks too.
	_, out := viewRows(t)
	if !strings.Contains(out, "s3://other") || !strings.Contains(out, "local/scratch") {
		t.Errorf("config view does not list the blocks:\n%s", out)
	}

	// rm: unknown slugs name the known ones and remove nothing.
	code, _, stderr = call("block", "rm", "s3/prod", "s3/staging")
	if code != 1 || !strings.Contains(stderr, "unknown block") || !strings.Contains(stderr, "known blocks: local/scratch, s3/prod") {
		t.Errorf("rm unknown: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(home); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := call("block", "ls"); code != 0 || !strings.Contains(out, "s3/prod") {
		t.Errorf("a failed rm removed s3/prod:\n%s", out)
	}

	if _, _, stderr := call("config", "set", "RESULTGEN_DEFAULT_RESULT_STORAGE=s3/prod"); strings.Contains(stderr, "no block") {
		t.Errorf("set to an existing block still notes it missing:\n%s", stderr)
	}
	code, stdout, stderr = call("block", "rm", "s3/prod")
	if code != 0 || !strings.Contains(stdout, "removed block s3/prod") {
		t.Fatalf("rm: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "still names s3/prod") {
		t.Errorf("rm of the default storage block gives no note:\n%s", stderr)
	}
	code, stdout, _ = call("block", "ls")
	if code != 0 || strings.Contains(stdout, "s3/prod") || !strings.Contains(stdout, "local/scratch") {
		t.Errorf("ls after rm: exit %d\n%s", code, stdout)
	}
	code, _, stderr = call("block", "rm", "s3/prod")
	if code != 1 || !strings.Contains(stderr, "known blocks: local/scratch") {
		t.Errorf("second rm: exit %d\n%s", code, stderr)
	}
}

func TestBlockRefusesCredentials(t *testing.T) {
	for _, flagArg := range []string{
		"--secret-key=abc",
		"--access-key", // value follows as its own argument
		"-aws-secret-access-key=abc",
		"--session-token=abc",
		"--password=abc",
		"--credentials=/tmp/creds",
	} {
		t.Run(flagArg, func(t *testing.T) {
			home := configHome(t)
			code, _, stderr := call("block", "create", "s3/prod", "--url", "s3://results", flagArg, "abc")
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			for _, w := range []string{"never takes credentials", "AWS_ACCESS_KEY_ID", "~/.aws/credentials"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(home, "config.toml")); err == nil {
				t.Errorf("a refused create wrote the profile")
			}
		})
	}
	t.Run("credentials in the url", func(t *testing.T) {
		configHome(t)
		code, _, stderr := call("block", "create", "s3/prod", "--url", "s3://AKIA:secret@results")
		if code != 2 || !strings.Contains(stderr, "credentials do not belong in a storage spec") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
	})
}

func TestBlockUsageErrors(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		wantIn []string
	}{
		{"no command", nil, 2, []string{"Usage:", "block create"}},
		{"help", []string{"--help"}, 0, []string{"Examples:", "block create s3/prod -url"}},
		{"create help", []string{"create", "-h"}, 0, []string{"Examples:", "-endpoint URL", "-endpoint http://127.0.0.1:9000"}},
		{"unknown command", []string{"add"}, 2, []string{`unknown command "add"`}},
		{"create no slug", []string{"create", "--url", "s3://bkt"}, 2, []string{"want one TYPE/NAME"}},
		{"create two slugs", []string{"create", "s3/a", "s3/b", "--url", "s3://bkt"}, 2, []string{"want one TYPE/NAME"}},
		{"create bad slug", []string{"create", "s3/Prod", "--url", "s3://bkt"}, 2, []string{"invalid block slug", `"Prod"`}},
		{"create bad type", []string{"create", "gcs/prod", "--url", "s3://bkt"}, 2, []string{`"gcs" is not s3 or local`}},
		{"s3 without url", []string{"create", "s3/prod"}, 2, []string{"needs -url"}},
		{"s3 with path", []string{"create", "s3/prod", "--path", "/x", "--url", "s3://bkt"}, 2, []string{"-path is for local blocks"}},
		{"local without path", []string{"create", "local/x"}, 2, []string{"needs -path"}},
		{"local with endpoint", []string{"create", "local/x", "--path", "/x", "--endpoint", "h:1"}, 2, []string{"-endpoint is for s3 blocks"}},
		{"bad url", []string{"create", "s3/prod", "--url", "https://bkt/p"}, 2, []string{`blocks."s3/prod".url`, "s3://"}},
		{"endpoint with a path", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "https://h:9000/bkt"}, 2, []string{`blocks."s3/prod".endpoint`, `path "/bkt"`}},
		{"endpoint with a query", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "http://h:9000?x=1"}, 2, []string{"no query"}},
		{"endpoint of another scheme", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "ftp://h:21"}, 2, []string{`"ftp" is not http:// or https://`}},
		{"endpoint with a bad port", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "h:99999"}, 2, []string{`port "99999"`}},
		{"endpoint with credentials", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "http://AKIA:hunter2@h:9000"}, 2, []string{`"http://***@h:9000"`, "credentials do not belong"}},
		{"https endpoint and --insecure", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "https://h:9000", "--insecure"}, 2, []string{"https:// (TLS) contradicts insecure = true"}},
		{"http endpoint and --insecure=false", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "http://h:9000", "--insecure=false"}, 2, []string{"http:// (plain HTTP) contradicts insecure = false"}},
		{"unknown flag", []string{"create", "s3/prod", "--url", "s3://bkt", "--bucket", "x"}, 2, []string{"flag provided but not defined: -bucket"}},
		{"create help names sse", []string{"create", "-h"}, 0, []string{"-sse s3|kms|kms:KEYID|c", "RESULTGEN_SSE_C_KEY"}},
		{"bad sse", []string{"create", "s3/prod", "--url", "s3://bkt", "--sse", "aes"}, 2, []string{`-sse "aes"`, "s3, kms, kms:KEYID or c"}},
		{"sse-c over http", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "http://h:9000", "--sse", "c"}, 2, []string{"-sse c needs HTTPS"}},
		{"sse-c with --insecure", []string{"create", "s3/prod", "--url", "s3://bkt", "--endpoint", "h:9000", "--insecure", "--sse", "c"}, 2, []string{"-sse c needs HTTPS"}},
		{"local with sse", []string{"create", "local/x", "--path", "/x", "--sse", "s3"}, 2, []string{"-sse is for s3 blocks"}},
		{"ls arguments", []string{"ls", "x"}, 2, []string{"takes no arguments"}},
		{"rm nothing", []string{"rm"}, 2, []string{"no TYPE/NAME"}},
		{"rm bad slug", []string{"rm", "prod"}, 2, []string{"invalid block slug"}},
		{"rm unknown on empty profile", []string{"rm", "s3/prod"}, 1, []string{"unknown block", "no blocks are configured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := configHome(t)
			code, stdout, stderr := call("block", tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			text := stderr
			if tt.code == 0 {
				text = stdout + stderr
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if _, err := os.Stat(filepath.Join(home, "config.toml")); err == nil {
				t.Errorf("a failed command wrote the profile")
			}
			if strings.Contains(stdout+stderr, "hunter2") {
				t.Errorf("the output prints a secret:\n%s%s", stdout, stderr)
			}
		})
	}
}

// awsEnv clears the AWS settings of the environment, with dummy keys so no
// credentials file is read.
func awsEnv(t *testing.T) {
	t.Helper()
	for _, n := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(n, "")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
}

// TestBlockCreateEndpointURL: --endpoint http://HOST:PORT, as AWS tools
// write it, is kept as written, listed as plain HTTP, and the stored block
// reaches the server over plain HTTP.
func TestBlockCreateEndpointURL(t *testing.T) {
	configHome(t)
	awsEnv(t)
	srv := s3test.NewEmptyBucket(t, "results")
	endpoint := "http://" + srv.Host
	code, stdout, stderr := call("block", "create", "s3/dev", "--url", "s3://results/dev", "--endpoint", endpoint, "--region", "us-east-1")
	if code != 0 {
		t.Fatalf("create: exit %d\n%s%s", code, stdout, stderr)
	}
	s, err := settings.LoadFrom(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s.Block("s3/dev"); err != nil || b.Endpoint != endpoint || b.Insecure {
		t.Errorf("block = %+v, %v; want endpoint %s as written", b, err, endpoint)
	}
	code, stdout, _ = call("block", "ls")
	if got := strings.Fields(strings.Split(strings.TrimSpace(stdout), "\n")[1]); code != 0 || strings.Join(got, " ") != "s3/dev s3://results/dev "+endpoint+" us-east-1 true -" {
		t.Errorf("ls: exit %d, row %q\n%s", code, got, stdout)
	}

	code, stdout, stderr = call("results", "ls", "--storage", "s3/dev")
	if code != 0 {
		t.Fatalf("results ls --storage s3/dev: exit %d\n%s%s", code, stdout, stderr)
	}
	if reqs := srv.Requests(); !slices.Contains(reqs, "HEAD /results/") || !slices.Contains(reqs, "GET /results/") {
		t.Errorf("the server saw %q; want the bucket checked and listed", reqs)
	}
}

// TestBlockCreateSSE: -sse is kept in the profile as given, listed by ls,
// and read by the runtime's settings; SSE-C needs no key to create the
// block (the key is the environment's, at run time).
func TestBlockCreateSSE(t *testing.T) {
	configHome(t)
	for slug, args := range map[string][]string{
		"s3/kms":   {"--url", "s3://results/kms", "--sse", "kms:results-key"},
		"s3/vault": {"--url", "s3://vault/r", "--endpoint", "https://minio.internal:9000", "--sse", "c"},
	} {
		if code, stdout, stderr := call("block", append([]string{"create", slug}, args...)...); code != 0 || !strings.Contains(stdout, "created block "+slug) {
			t.Fatalf("create %s: exit %d\n%s%s", slug, code, stdout, stderr)
		}
	}
	code, stdout, _ := call("block", "ls")
	if code != 0 {
		t.Fatalf("ls: exit %d", code)
	}
	want := map[string]string{"s3/kms": "kms:results-key", "s3/vault": "c"}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
		f := strings.Fields(line)
		if got := f[len(f)-1]; want[f[0]] != got {
			t.Errorf("ls: %s has sse %q, want %q", f[0], got, want[f[0]])
		}
	}
	s, err := settings.LoadFrom(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	for slug, sse := range want {
		if b, err := s.Block(slug); err != nil || b.SSE != sse {
			t.Errorf("settings block %s = %+v, %v; want sse %q", slug, b, err, sse)
		}
	}
}
