package settings_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/settings"
)

// env is a fake environment for LoadFrom.
type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

// newHome makes a resultgen home holding config.toml with the given text
// ("" for no file) and returns it.
func newHome(t *testing.T, profile string) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "rg")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if profile != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(profile), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestPrecedence(t *testing.T) {
	const profile = `
RESULTGEN_RESULTS_PERSIST_BY_DEFAULT = true
RESULTGEN_LOCAL_STORAGE_PATH = "/from/profile"
RESULTGEN_RESULTS_DEFAULT_SERIALIZER = "json"
RESULTGEN_DEFAULT_RESULT_STORAGE = "s3/prod"
RESULTGEN_TASKS_REFRESH_CACHE = "yes"
RESULTGEN_LOGGING_LEVEL = "info"
RESULTGEN_LEASE_TTL = "45s"
RESULTGEN_VERIFY_HITS = 0.25
RESULTGEN_LOCK_WAIT_TIMEOUT = "10m"
`
	tests := []struct {
		name       string
		setting    string
		env        string // "" means not in the environment
		inProfile  bool
		want       string
		wantSource settings.Source
	}{
		{"persist default", settings.PersistByDefault, "", false, "false", settings.FromDefault},
		{"persist profile", settings.PersistByDefault, "", true, "true", settings.FromProfile},
		{"persist env beats profile", settings.PersistByDefault, "false", true, "false", settings.FromEnv},
		{"persist env", settings.PersistByDefault, "ON", false, "true", settings.FromEnv},
		{"path default", settings.LocalStoragePath, "", false, "<home>/storage", settings.FromDefault},
		{"path profile", settings.LocalStoragePath, "", true, "/from/profile", settings.FromProfile},
		{"path env beats profile", settings.LocalStoragePath, "/from/env", true, "/from/env", settings.FromEnv},
		{"serializer default", settings.DefaultSerializer, "", false, "msgpack", settings.FromDefault},
		{"serializer profile", settings.DefaultSerializer, "", true, "json", settings.FromProfile},
		{"serializer env beats profile", settings.DefaultSerializer, "compressed/gob", true, "compressed/gob", settings.FromEnv},
		{"storage default", settings.DefaultStorage, "", false, "", settings.FromDefault},
		{"storage profile", settings.DefaultStorage, "", true, "s3/prod", settings.FromProfile},
		{"storage env beats profile", settings.DefaultStorage, "memory", true, "memory", settings.FromEnv},
		{"refresh default", settings.RefreshCache, "", false, "false", settings.FromDefault},
		{"refresh profile", settings.RefreshCache, "", true, "true", settings.FromProfile},
		{"refresh env beats profile", settings.RefreshCache, "0", true, "false", settings.FromEnv},
		{"level default", settings.LoggingLevel, "", false, "WARNING", settings.FromDefault},
		{"level profile", settings.LoggingLevel, "", true, "INFO", settings.FromProfile},
		{"level env beats profile", settings.LoggingLevel, "Error", true, "ERROR", settings.FromEnv},
		{"level env alias", settings.LoggingLevel, "warn", false, "WARNING", settings.FromEnv},
		{"lease ttl default", settings.LeaseTTL, "", false, "30s", settings.FromDefault},
		{"lease ttl profile", settings.LeaseTTL, "", true, "45s", settings.FromProfile},
		{"lease ttl env beats profile", settings.LeaseTTL, "90s", true, "1m30s", settings.FromEnv},
		{"verify hits default", settings.VerifyHits, "", false, "0", settings.FromDefault},
		{"verify hits profile number", settings.VerifyHits, "", true, "0.25", settings.FromProfile},
		{"verify hits env beats profile", settings.VerifyHits, " 1.0 ", true, "1", settings.FromEnv},
		{"verify hits env off", settings.VerifyHits, "0", true, "0", settings.FromEnv},
		{"lock wait timeout default", settings.LockWaitTimeout, "", false, "0s", settings.FromDefault},
		{"lock wait timeout profile", settings.LockWaitTimeout, "", true, "10m0s", settings.FromProfile},
		{"lock wait timeout env beats profile", settings.LockWaitTimeout, "90s", true, "1m30s", settings.FromEnv},
		{"lock wait timeout env no limit beats profile", settings.LockWaitTimeout, "0", true, "0s", settings.FromEnv},
		{"lock wait timeout short", settings.LockWaitTimeout, "250ms", false, "250ms", settings.FromEnv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := ""
			if tt.inProfile {
				text = profile
			}
			home := newHome(t, text)
			e := env{"RESULTGEN_HOME": home, "HOME": "/nonexistent-home"}
			if tt.env != "" {
				e[tt.setting] = tt.env
			}
			s, err := settings.LoadFrom(e.lookup)
			if err != nil {
				t.Fatal(err)
			}
			got, src := s.Value(tt.setting)
			want := strings.ReplaceAll(tt.want, "<home>", home)
			if want == "/from/profile" || want == "/from/env" || strings.HasPrefix(want, home) {
				want = filepath.FromSlash(want)
			}
			if got != want || src != tt.wantSource {
				t.Errorf("%s = %q from %s, want %q from %s", tt.setting, got, src, want, tt.wantSource)
			}
			if s.Sources[settings.Home] != settings.FromEnv || s.Home != home {
				t.Errorf("home = %q from %s, want %q from env", s.Home, s.Sources[settings.Home], home)
			}
		})
	}
}

func TestEmptyEnvCountsAsUnset(t *testing.T) {
	home := newHome(t, "RESULTGEN_RESULTS_DEFAULT_SERIALIZER = \"gob\"\n")
	s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home, settings.DefaultSerializer: "", settings.PersistByDefault: ""}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if s.DefaultSerializer != "gob" || s.Sources[settings.DefaultSerializer] != settings.FromProfile {
		t.Errorf("serializer = %q from %s, want gob from profile", s.DefaultSerializer, s.Sources[settings.DefaultSerializer])
	}
}

func TestDefaultHome(t *testing.T) {
	userHome := t.TempDir()
	s, err := settings.LoadFrom(env{"HOME": userHome}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	wantHome := filepath.Join(userHome, ".resultgen")
	if s.Home != wantHome || s.Sources[settings.Home] != settings.FromDefault {
		t.Errorf("home = %q from %s, want %q from default", s.Home, s.Sources[settings.Home], wantHome)
	}
	if want := filepath.Join(wantHome, "storage"); s.LocalStoragePath != want {
		t.Errorf("storage path = %q, want %q", s.LocalStoragePath, want)
	}
	if s.Profile != filepath.Join(wantHome, "config.toml") {
		t.Errorf("profile = %q", s.Profile)
	}
	if _, err := os.Stat(wantHome); !os.IsNotExist(err) {
		t.Errorf("loading settings created %s (err %v); it must only read", wantHome, err)
	}
}

func TestPaths(t *testing.T) {
	userHome := t.TempDir()
	wd := t.TempDir()
	t.Chdir(wd)
	wd, _ = os.Getwd() // resolve symlinks the way os.Getwd reports them
	tests := []struct {
		name    string
		env     env // merged over HOME
		profile string
		want    func(home string) string
	}{
		{"env tilde slash", env{settings.LocalStoragePath: "~/data"}, "",
			func(string) string { return filepath.Join(userHome, "data") }},
		{"env tilde alone", env{settings.LocalStoragePath: "~"}, "",
			func(string) string { return userHome }},
		{"env relative is against the working directory", env{settings.LocalStoragePath: "out/../results"}, "",
			func(string) string { return filepath.Join(wd, "results") }},
		{"profile tilde", nil, `RESULTGEN_LOCAL_STORAGE_PATH = "~/p"`,
			func(string) string { return filepath.Join(userHome, "p") }},
		{"profile relative is against the profile folder", nil, `RESULTGEN_LOCAL_STORAGE_PATH = "store"`,
			func(home string) string { return filepath.Join(home, "store") }},
		{"profile dotdot is cleaned", nil, `RESULTGEN_LOCAL_STORAGE_PATH = "./a/../b/"`,
			func(home string) string { return filepath.Join(home, "b") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := newHome(t, tt.profile)
			e := env{"HOME": userHome, "RESULTGEN_HOME": home}
			for k, v := range tt.env {
				e[k] = v
			}
			s, err := settings.LoadFrom(e.lookup)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(home); s.LocalStoragePath != want {
				t.Errorf("storage path = %q, want %q", s.LocalStoragePath, want)
			}
		})
	}

	t.Run("relative and tilde RESULTGEN_HOME", func(t *testing.T) {
		s, err := settings.LoadFrom(env{"HOME": userHome, "RESULTGEN_HOME": "rel-home"}.lookup)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(wd, "rel-home"); s.Home != want {
			t.Errorf("home = %q, want %q", s.Home, want)
		}
		s, err = settings.LoadFrom(env{"HOME": userHome, "RESULTGEN_HOME": "~/rg"}.lookup)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(userHome, "rg"); s.Home != want {
			t.Errorf("home = %q, want %q", s.Home, want)
		}
	})

	t.Run("local block paths", func(t *testing.T) {
		home := newHome(t, "[blocks.\"local/a\"]\npath = \"rel\"\n[blocks.\"local/b\"]\npath = \"~/b\"\n")
		s, err := settings.LoadFrom(env{"HOME": userHome, "RESULTGEN_HOME": home}.lookup)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := s.Blocks["local/a"].URL, filepath.Join(home, "rel"); got != want {
			t.Errorf("local/a path = %q, want %q", got, want)
		}
		if got, want := s.Blocks["local/b"].URL, filepath.Join(userHome, "b"); got != want {
			t.Errorf("local/b path = %q, want %q", got, want)
		}
	})
}

func TestBadValues(t *testing.T) {
	tests := []struct {
		name    string
		env     env
		profile string
		is      error
		// wantIn are pieces the message must hold: the setting, the source
		// ("environment" or "config.toml") and the fix.
		wantIn []string
	}{
		{"env non-boolean", env{settings.PersistByDefault: "maybe"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.PersistByDefault, `"maybe"`, "not a boolean", "use true or false"}},
		{"env bad serializer", env{settings.DefaultSerializer: "msg pack"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.DefaultSerializer, "use one of msgpack"}},
		{"env bad storage", env{settings.DefaultStorage: "ftp://x"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.DefaultStorage, "s3://BUCKET/PREFIX"}},
		{"env bad slug", env{settings.DefaultStorage: "s3/Prod"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.DefaultStorage, `"Prod"`, "block slug such as s3/prod"}},
		{"env bad s3 bucket", env{settings.DefaultStorage: "s3://A_B/x"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.DefaultStorage, "bucket"}},
		{"env tilde user", env{settings.LocalStoragePath: "~bob/x"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.LocalStoragePath, "~user"}},
		{"env bad home", env{settings.Home: "~bob"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.Home}},
		{"env bad level", env{settings.LoggingLevel: "verbose"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.LoggingLevel, `"verbose"`, "not a logging level", "DEBUG, INFO, WARNING (or WARN) or ERROR", "unset the variable"}},
		{"file bad level", nil, `RESULTGEN_LOGGING_LEVEL = "TRACE"`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.LoggingLevel, `"TRACE"`, "DEBUG, INFO, WARNING (or WARN) or ERROR"}},
		{"file number for level", nil, `RESULTGEN_LOGGING_LEVEL = 4`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.LoggingLevel, "number", "quoted string"}},
		{"env bad lease ttl", env{settings.LeaseTTL: "30"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.LeaseTTL, `"30"`, "not a duration", "Go duration of at least 1s", "unset the variable"}},
		{"file short lease ttl", nil, `RESULTGEN_LEASE_TTL = "100ms"`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.LeaseTTL, "shorter than 1s"}},
		{"file number for lease ttl", nil, `RESULTGEN_LEASE_TTL = 30`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.LeaseTTL, "number", "quoted string"}},
		{"env verify hits above 1", env{settings.VerifyHits: "10"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.VerifyHits, `"10"`, "above 1", "number from 0 to 1", "unset the variable"}},
		{"env verify hits percent", env{settings.VerifyHits: "5%"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.VerifyHits, `"5%"`, "not a number", "such as 0.05"}},
		{"env verify hits negative", env{settings.VerifyHits: "-0.1"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.VerifyHits, "below 0"}},
		{"env verify hits NaN", env{settings.VerifyHits: "NaN"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.VerifyHits, "not a number"}},
		{"file verify hits above 1", nil, `RESULTGEN_VERIFY_HITS = 2`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.VerifyHits, `"2"`, "above 1"}},
		{"file verify hits boolean", nil, `RESULTGEN_VERIFY_HITS = true`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.VerifyHits, "must be a string"}},
		{"file verify hits array", nil, `RESULTGEN_VERIFY_HITS = [0.1]`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.VerifyHits, "an array, not a number or string", "number from 0 to 1"}},
		{"env bad lock wait timeout", env{settings.LockWaitTimeout: "forever"}, "", settings.ErrInvalidValue,
			[]string{"environment", settings.LockWaitTimeout, `"forever"`, "not a duration", "0s for no limit", "unset the variable"}},
		{"file negative lock wait timeout", nil, `RESULTGEN_LOCK_WAIT_TIMEOUT = "-1s"`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.LockWaitTimeout, "negative", "0s for no limit"}},
		{"file non-boolean string", nil, `RESULTGEN_TASKS_REFRESH_CACHE = "sometimes"`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.RefreshCache, "not a boolean", "use true or false"}},
		{"file number for boolean", nil, `RESULTGEN_TASKS_REFRESH_CACHE = 1`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.RefreshCache, "number", "true or false"}},
		{"file boolean for string", nil, `RESULTGEN_RESULTS_DEFAULT_SERIALIZER = true`, settings.ErrInvalidValue,
			[]string{"config.toml", settings.DefaultSerializer, "must be a string"}},
		{"file unknown setting", nil, `RESULTGEN_PERSIST = true`, settings.ErrUnknownSetting,
			[]string{"config.toml", "RESULTGEN_PERSIST", "known settings: RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"}},
		{"file lower-case setting", nil, `resultgen_tasks_refresh_cache = true`, settings.ErrUnknownSetting,
			[]string{"config.toml", "upper case: RESULTGEN_TASKS_REFRESH_CACHE"}},
		{"file home", nil, `RESULTGEN_HOME = "/x"`, settings.ErrUnknownSetting,
			[]string{"config.toml", "only be set in the environment"}},
		{"file syntax", nil, "RESULTGEN_TASKS_REFRESH_CACHE = \nx", settings.ErrBadProfile,
			[]string{"config.toml:1:", "TOML"}},
		{"file duplicate key", nil, "RESULTGEN_TASKS_REFRESH_CACHE = true\nRESULTGEN_TASKS_REFRESH_CACHE = false\n", settings.ErrBadProfile,
			[]string{"config.toml:2:", "already defined"}},
		{"unquoted slug", nil, "[blocks.s3.prod]\nurl = \"s3://bkt/p\"\n", settings.ErrInvalidSlug,
			[]string{"config.toml", `blocks."s3"`, `[blocks."s3/prod"]`}},
		{"bad slug name", nil, "[blocks.\"s3/Prod\"]\nurl = \"s3://bkt/p\"\n", settings.ErrInvalidSlug,
			[]string{"config.toml", `"Prod"`, "TYPE/NAME"}},
		{"bad slug type", nil, "[blocks.\"gcs/prod\"]\nurl = \"s3://bkt/p\"\n", settings.ErrInvalidSlug,
			[]string{"config.toml", `"gcs"`}},
		{"bad block url", nil, "[blocks.\"s3/prod\"]\nurl = \"http://bkt/p\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".url`, "s3://"}},
		{"credentials in block url", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://AKIA:secret@bkt/p\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", "credentials do not belong in a storage spec"}},
		{"missing block url", nil, "[blocks.\"s3/prod\"]\nregion = \"eu-west-1\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".url`, "missing"}},
		{"endpoint with a path", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"http://minio:9000/bkt\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, `path "/bkt"`, "http://HOST:PORT (plain HTTP)"}},
		{"endpoint with a query", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"https://minio?x=1\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, "no query"}},
		{"endpoint with another scheme", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"ftp://minio:21\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, `"ftp" is not http:// or https://`}},
		{"endpoint with credentials", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"http://AKIA:hunter2@minio:9000\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint="http://***@minio:9000"`, "credentials do not belong"}},
		{"https endpoint and insecure", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"https://minio:9000\"\ninsecure = true\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, "https:// (TLS) contradicts insecure = true"}},
		{"http endpoint and insecure false", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"http://minio:9000\"\ninsecure = false\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, "http:// (plain HTTP) contradicts insecure = false"}},
		{"endpoint bad port", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \"minio:99999\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".endpoint`, "port"}},
		{"secret in block", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nsecret_key = \"x\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", "secret_key", "AWS_SECRET_ACCESS_KEY"}},
		{"unknown block field", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nbucket = \"x\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".bucket`, "the fields are url, endpoint, region, insecure"}},
		{"url on local block", nil, "[blocks.\"local/x\"]\nurl = \"/tmp\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."local/x".url`, "the fields are path"}},
		{"insecure not boolean", nil, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\ninsecure = \"sure\"\n", settings.ErrInvalidValue,
			[]string{"config.toml", `blocks."s3/prod".insecure`, "true or false"}},
		{"blocks not a table", nil, "blocks = 3\n", settings.ErrInvalidValue,
			[]string{"config.toml", "blocks", "must be a table"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := newHome(t, tt.profile)
			e := env{"RESULTGEN_HOME": home, "HOME": t.TempDir()}
			for k, v := range tt.env {
				e[k] = v
			}
			_, err := settings.LoadFrom(e.lookup)
			if err == nil {
				t.Fatal("LoadFrom succeeded, want an error")
			}
			t.Log(err)
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			var se *settings.Error
			if !errors.As(err, &se) {
				t.Errorf("error %q is not a *settings.Error", err)
			}
			for _, w := range tt.wantIn {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "AKIA:") {
				t.Errorf("error %q prints credentials", err)
			}
		})
	}
}

// TestBlockEndpointForms: a block's endpoint is kept as written, in any of
// the forms users write, and alongside an insecure that agrees with it.
func TestBlockEndpointForms(t *testing.T) {
	for _, tt := range []struct{ endpoint, insecure string }{
		{"127.0.0.1:9000", ""},
		{"127.0.0.1:9000", "insecure = true\n"},
		{"127.0.0.1:9000", "insecure = false\n"},
		{"http://127.0.0.1:9000", ""},
		{"http://127.0.0.1:9000/", "insecure = true\n"},
		{"https://s3.example.test", ""},
		{"https://s3.example.test:8443", "insecure = false\n"},
		{"http://[::1]:9000", ""},
	} {
		home := newHome(t, "[blocks.\"s3/prod\"]\nurl = \"s3://bkt\"\nendpoint = \""+tt.endpoint+"\"\n"+tt.insecure)
		s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home}.lookup)
		if err != nil {
			t.Errorf("endpoint %q with %q: %v", tt.endpoint, tt.insecure, err)
			continue
		}
		if b, err := s.Block("s3/prod"); err != nil || b.Endpoint != tt.endpoint {
			t.Errorf("endpoint %q: block = %+v, %v", tt.endpoint, b, err)
		}
	}
}

func TestCheckEndpoint(t *testing.T) {
	tests := []struct {
		endpoint      string
		insecure, set bool
		err           string
	}{
		{endpoint: "minio:9000"},
		{endpoint: "minio:9000", insecure: true, set: true},
		{endpoint: "http://minio:9000"},
		{endpoint: "http://minio:9000", insecure: true},
		{endpoint: "https://minio"},
		{endpoint: "https://minio", set: true},
		{endpoint: "http://minio:9000", set: true, err: "contradicts insecure = false"},
		{endpoint: "https://minio", insecure: true, err: "contradicts insecure = true"},
		{endpoint: "minio:9000/x", err: `path "/x"`},
		{endpoint: "https://minio/?a=b", err: "no query"},
		{endpoint: "http://minio?a=b", err: "no query"},
		{endpoint: "gopher://minio", err: `scheme "gopher"`},
		{endpoint: "https://u:pw@minio", err: "credentials do not belong"},
		{endpoint: "minio:65536", err: `port "65536"`},
	}
	for _, tt := range tests {
		err := settings.CheckEndpoint(tt.endpoint, tt.insecure, tt.set)
		if tt.err == "" {
			if err != nil {
				t.Errorf("CheckEndpoint(%q, %v, %v) = %v", tt.endpoint, tt.insecure, tt.set, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, settings.ErrInvalidValue) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("CheckEndpoint(%q, %v, %v) = %v; want ErrInvalidValue containing %q", tt.endpoint, tt.insecure, tt.set, err, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckEndpoint(%q) = %v prints the password", tt.endpoint, err)
		}
	}
}

func TestUnreadableProfile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	home := newHome(t, "RESULTGEN_TASKS_REFRESH_CACHE = true\n")
	if err := os.Chmod(filepath.Join(home, "config.toml"), 0); err != nil {
		t.Fatal(err)
	}
	_, err := settings.LoadFrom(env{"RESULTGEN_HOME": home}.lookup)
	if !errors.Is(err, settings.ErrBadProfile) || !strings.Contains(err.Error(), "config.toml") {
		t.Errorf("err = %v, want ErrBadProfile naming the file", err)
	}
}

func TestSettingsBlock(t *testing.T) {
	home := newHome(t, `
[blocks."s3/prod"]
url = "s3://results/team-a"
endpoint = "127.0.0.1:9000"
region = "us-east-1"
insecure = true

[blocks."local/scratch"]
path = "/srv/scratch"
`)
	s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Block("s3/prod")
	if err != nil {
		t.Fatal(err)
	}
	want := settings.Block{Slug: "s3/prod", URL: "s3://results/team-a", Endpoint: "127.0.0.1:9000", Region: "us-east-1", Insecure: true}
	if b != want {
		t.Errorf("block = %+v, want %+v", b, want)
	}
	if b.Type() != "s3" || b.Name() != "prod" {
		t.Errorf("type/name = %q/%q", b.Type(), b.Name())
	}
	_, err = s.Block("s3/staging")
	if !errors.Is(err, settings.ErrUnknownBlock) || !strings.Contains(err.Error(), "known blocks: local/scratch, s3/prod") {
		t.Errorf("unknown block error = %v, want ErrUnknownBlock naming local/scratch, s3/prod", err)
	}
	if _, err := s.Block("prod"); !errors.Is(err, settings.ErrInvalidSlug) {
		t.Errorf("bad slug error = %v, want ErrInvalidSlug", err)
	}
}

func TestParseSlug(t *testing.T) {
	tests := []struct {
		slug, typ, name string
		ok              bool
	}{
		{"s3/prod", "s3", "prod", true},
		{"local/scratch-1.b_c", "local", "scratch-1.b_c", true},
		{"s3/0", "s3", "0", true},
		{"s3/", "", "", false},
		{"s3/-x", "", "", false},
		{"s3/Prod", "", "", false},
		{"s3/a/b", "", "", false},
		{"S3/prod", "", "", false},
		{"memory/x", "", "", false},
		{"prod", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		typ, name, err := settings.ParseSlug(tt.slug)
		if (err == nil) != tt.ok || typ != tt.typ || name != tt.name {
			t.Errorf("ParseSlug(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.slug, typ, name, err, tt.typ, tt.name, tt.ok)
		}
		if err != nil && !errors.Is(err, settings.ErrInvalidSlug) {
			t.Errorf("ParseSlug(%q) error %v is not ErrInvalidSlug", tt.slug, err)
		}
	}
}

func TestLoggingLevel(t *testing.T) {
	tests := []struct {
		in, name string
		level    slog.Level
	}{
		{"DEBUG", "DEBUG", slog.LevelDebug},
		{"debug", "DEBUG", slog.LevelDebug},
		{"Info", "INFO", slog.LevelInfo},
		{"WARNING", "WARNING", slog.LevelWarn},
		{"warn", "WARNING", slog.LevelWarn},
		{" error ", "ERROR", slog.LevelError},
	}
	for _, tt := range tests {
		home := newHome(t, "")
		s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home, settings.LoggingLevel: tt.in}.lookup)
		if err != nil {
			t.Errorf("%s=%q: %v", settings.LoggingLevel, tt.in, err)
			continue
		}
		if s.LoggingLevel != tt.name || s.Level() != tt.level {
			t.Errorf("%s=%q: LoggingLevel %q, Level %v; want %q, %v", settings.LoggingLevel, tt.in, s.LoggingLevel, s.Level(), tt.name, tt.level)
		}
		if l, err := settings.ParseLevel(tt.in); err != nil || l != tt.level {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.in, l, err, tt.level)
		}
	}
	for _, bad := range []string{"", "TRACE", "warnings", "3"} {
		if _, err := settings.ParseLevel(bad); !errors.Is(err, settings.ErrInvalidValue) {
			t.Errorf("ParseLevel(%q) error = %v, want ErrInvalidValue", bad, err)
		}
	}
	// A Settings made in code without a level is quiet: WARNING.
	if l := (settings.Settings{}).Level(); l != slog.LevelWarn {
		t.Errorf("zero Settings level = %v, want WARN", l)
	}
	if v, _ := (settings.Settings{}).Value(settings.LoggingLevel); v != "WARNING" {
		t.Errorf("zero Settings shows level %q, want WARNING", v)
	}
}

func TestLeaseTTL(t *testing.T) {
	home := t.TempDir()
	s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home, settings.LeaseTTL: " 2s "}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if s.LeaseTTL != 2*time.Second || s.Lease() != 2*time.Second {
		t.Errorf("LeaseTTL %v, Lease() %v; want 2s", s.LeaseTTL, s.Lease())
	}
	if got := (settings.Settings{}).Lease(); got != settings.DefaultLeaseTTL {
		t.Errorf("Lease() of a Settings made in code = %v, want %v", got, settings.DefaultLeaseTTL)
	}
	if v, _ := (settings.Settings{}).Value(settings.LeaseTTL); v != "30s" {
		t.Errorf("Value(%s) of a Settings made in code = %q, want 30s", settings.LeaseTTL, v)
	}
}
