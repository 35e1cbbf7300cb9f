package settings_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/settings"
)

func TestProfileRoundTrip(t *testing.T) {
	home := filepath.Join(t.TempDir(), "new-home") // does not exist yet
	wd := t.TempDir()
	t.Chdir(wd)
	wd, _ = os.Getwd()

	p, err := settings.OpenProfile(home)
	if err != nil {
		t.Fatalf("missing profile: %v", err)
	}
	if len(p.Blocks()) != 0 {
		t.Fatalf("new profile has blocks: %v", p.Blocks())
	}
	sets := [][2]string{
		{settings.PersistByDefault, "YES"},
		{settings.LocalStoragePath, "rel/store"},
		{settings.DefaultSerializer, "compressed/json"},
		{settings.DefaultStorage, "s3/prod"},
		{settings.RefreshCache, "off"},
		{settings.LoggingLevel, "warn"},
		{settings.LeaseTTL, "90s"},
		{settings.LockWaitTimeout, "5m"},
		{settings.ExplainMisses, "yes"},
		{settings.VerifyHits, ".5"},
	}
	for _, kv := range sets {
		if err := p.Set(kv[0], kv[1]); err != nil {
			t.Fatalf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	blocks := []settings.Block{
		{Slug: "s3/prod", URL: "s3://results/team-a/", Endpoint: "127.0.0.1:9000", Region: "us-east-1", Insecure: true},
		{Slug: "local/scratch", URL: "scratch"},
		{Slug: "local/home", URL: "~/rg-blocks"},
	}
	for _, b := range blocks {
		if err := p.SetBlock(b); err != nil {
			t.Fatalf("SetBlock(%+v): %v", b, err)
		}
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}

	fi, err := os.Stat(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config.toml mode = %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(home)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("home mode = %v, want 0700", di.Mode().Perm())
	}
	entries, _ := os.ReadDir(home)
	if len(entries) != 1 {
		t.Errorf("home holds %d entries, want only config.toml (no temporary files left)", len(entries))
	}

	s, err := settings.LoadFrom(env{"RESULTGEN_HOME": home, "HOME": "/u"}.lookup)
	if err != nil {
		data, _ := os.ReadFile(p.Path())
		t.Fatalf("reload: %v\n%s", err, data)
	}
	want := settings.Settings{
		Home:              home,
		PersistByDefault:  true,
		LocalStoragePath:  filepath.Join(wd, "rel", "store"),
		DefaultSerializer: "compressed/json",
		DefaultStorage:    "s3/prod",
		RefreshCache:      false,
		LoggingLevel:      "WARNING",
		LeaseTTL:          90 * time.Second,
		LockWaitTimeout:   5 * time.Minute,
		ExplainMisses:     true,
		VerifyHits:        0.5,
		Blocks: map[string]settings.Block{
			"s3/prod":       blocks[0],
			"local/scratch": {Slug: "local/scratch", URL: filepath.Join(wd, "scratch")},
			"local/home":    {Slug: "local/home", URL: filepath.FromSlash("/u/rg-blocks")},
		},
		Profile: filepath.Join(home, "config.toml"),
		Sources: map[string]settings.Source{
			settings.Home:              settings.FromEnv,
			settings.PersistByDefault:  settings.FromProfile,
			settings.LocalStoragePath:  settings.FromProfile,
			settings.DefaultSerializer: settings.FromProfile,
			settings.DefaultStorage:    settings.FromProfile,
			settings.RefreshCache:      settings.FromProfile,
			settings.LoggingLevel:      settings.FromProfile,
			settings.LeaseTTL:          settings.FromProfile,
			settings.LockWaitTimeout:   settings.FromProfile,
			settings.ExplainMisses:     settings.FromProfile,
			settings.VerifyHits:        settings.FromProfile,
			settings.EncryptResults:    settings.FromDefault,
			settings.KeyringFile:       settings.FromDefault,
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("reloaded settings:\n got %+v\nwant %+v", s, want)
	}

	// Saving twice gives the same bytes, and unset/remove round-trip too.
	first, _ := os.ReadFile(p.Path())
	p2, err := settings.OpenProfile(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Save(); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p.Path())
	if string(first) != string(second) {
		t.Errorf("re-saving changed the file:\n%s\n---\n%s", first, second)
	}
	if err := p2.Unset(settings.DefaultStorage); err != nil {
		t.Fatal(err)
	}
	if err := p2.Unset(settings.DefaultStorage); err != nil {
		t.Errorf("unsetting an unset setting: %v", err)
	}
	if err := p2.RemoveBlock("local/scratch"); err != nil {
		t.Fatal(err)
	}
	if err := p2.Save(); err != nil {
		t.Fatal(err)
	}
	s, err = settings.LoadFrom(env{"RESULTGEN_HOME": home, "HOME": "/u"}.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if s.DefaultStorage != "" || s.Sources[settings.DefaultStorage] != settings.FromDefault {
		t.Errorf("after unset: storage %q from %s", s.DefaultStorage, s.Sources[settings.DefaultStorage])
	}
	if _, ok := s.Blocks["local/scratch"]; ok || len(s.Blocks) != 2 {
		t.Errorf("after rm: blocks %v", s.Blocks)
	}
}

func TestProfileRefusals(t *testing.T) {
	home := t.TempDir()
	p, err := settings.OpenProfile(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Set(settings.RefreshCache, "true"); err != nil {
		t.Fatal(err)
	}
	if err := p.SetBlock(settings.Block{Slug: "s3/prod", URL: "s3://bkt"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		do     func() error
		is     error
		wantIn string
	}{
		{"set unknown", func() error { return p.Set("RESULTGEN_NOPE", "1") }, settings.ErrUnknownSetting, "known settings"},
		{"set home", func() error { return p.Set(settings.Home, "/x") }, settings.ErrUnknownSetting, "environment"},
		{"set aws", func() error { return p.Set("AWS_SECRET_ACCESS_KEY", "x") }, settings.ErrUnknownSetting, "standard AWS variables"},
		{"set bad bool", func() error { return p.Set(settings.RefreshCache, "perhaps") }, settings.ErrInvalidValue, "true or false"},
		{"set bad storage", func() error { return p.Set(settings.DefaultStorage, "s3://") }, settings.ErrInvalidValue, "missing bucket name"},
		{"set bad level", func() error { return p.Set(settings.LoggingLevel, "loud") }, settings.ErrInvalidValue, "DEBUG, INFO, WARNING (or WARN) or ERROR"},
		{"set bad lease ttl", func() error { return p.Set(settings.LeaseTTL, "30") }, settings.ErrInvalidValue, "Go duration of at least 1s"},
		{"set short lease ttl", func() error { return p.Set(settings.LeaseTTL, "500ms") }, settings.ErrInvalidValue, "shorter than 1s"},
		{"set bad verify hits", func() error { return p.Set(settings.VerifyHits, "1.5") }, settings.ErrInvalidValue, "above 1"},
		{"set verify hits not a number", func() error { return p.Set(settings.VerifyHits, "all") }, settings.ErrInvalidValue, "number from 0 to 1"},
		{"set bad lock wait timeout", func() error { return p.Set(settings.LockWaitTimeout, "10") }, settings.ErrInvalidValue, "0s for no limit"},
		{"unset unknown", func() error { return p.Unset("RESULTGEN_NOPE") }, settings.ErrUnknownSetting, "known settings"},
		{"block bad slug", func() error { return p.SetBlock(settings.Block{Slug: "s3", URL: "s3://bkt"}) }, settings.ErrInvalidSlug, "TYPE/NAME"},
		{"block bad url", func() error { return p.SetBlock(settings.Block{Slug: "s3/x", URL: "bkt"}) }, settings.ErrInvalidValue, "s3://"},
		{"local block with endpoint", func() error {
			return p.SetBlock(settings.Block{Slug: "local/x", URL: "/tmp", Endpoint: "h:1"})
		}, settings.ErrInvalidValue, "s3 blocks only"},
		{"rm unknown", func() error { return p.RemoveBlock("s3/staging") }, settings.ErrUnknownBlock, "known blocks: s3/prod"},
		{"rm bad slug", func() error { return p.RemoveBlock("staging") }, settings.ErrInvalidSlug, "TYPE/NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("err = %v, want %v mentioning %q", err, tt.is, tt.wantIn)
			}
		})
	}
	// Nothing refused changed the profile.
	if v, _ := p.Get(settings.RefreshCache); v != "true" {
		t.Errorf("refresh = %q after refused sets, want true", v)
	}
	if got := p.Blocks(); len(got) != 1 || got[0].Slug != "s3/prod" {
		t.Errorf("blocks = %v after refusals, want only s3/prod", got)
	}
}

func TestProfileEncodeFormat(t *testing.T) {
	p, err := settings.ParseProfile("/h/config.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		p.Set(settings.PersistByDefault, "1"),
		p.Set(settings.DefaultSerializer, "json"),
		p.Set(settings.LoggingLevel, "Debug"),
		p.Set(settings.LeaseTTL, "2m"),
		p.SetBlock(settings.Block{Slug: "s3/prod", URL: "s3://bkt/p", Region: "eu-west-1"}),
		p.SetBlock(settings.Block{Slug: "local/a", URL: "/srv/a"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	out, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"RESULTGEN_RESULTS_PERSIST_BY_DEFAULT = true\n",
		"RESULTGEN_RESULTS_DEFAULT_SERIALIZER = 'json'\n",
		"RESULTGEN_LOGGING_LEVEL = 'DEBUG'\n",
		"RESULTGEN_LEASE_TTL = '2m0s'\n",
		"[blocks.\"local/a\"]\npath = '/srv/a'\n",
		"[blocks.\"s3/prod\"]\nurl = 's3://bkt/p'\nregion = 'eu-west-1'\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("encoded profile lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "insecure") || strings.Contains(string(out), "endpoint") {
		t.Errorf("encoded profile writes empty fields:\n%s", out)
	}
}

// FuzzParseProfile: any input either fails with a *settings.Error or parses
// into a profile that encodes and parses back to the same content.
func FuzzParseProfile(f *testing.F) {
	f.Add([]byte("RESULTGEN_TASKS_REFRESH_CACHE = true\n"))
	f.Add([]byte("RESULTGEN_LOCAL_STORAGE_PATH = \"~/x\"\nRESULTGEN_DEFAULT_RESULT_STORAGE = \"s3/prod\"\n"))
	f.Add([]byte("[blocks.\"s3/prod\"]\nurl = \"s3://bkt/p\"\nendpoint = \"h:9000\"\ninsecure = \"yes\"\n"))
	f.Add([]byte("[blocks.\"local/x\"]\npath = \"rel\"\n"))
	f.Add([]byte("RESULTGEN_LOGGING_LEVEL = \"warn\"\n"))
	f.Add([]byte("RESULTGEN_LEASE_TTL = \"45s\"\n"))
	f.Add([]byte("RESULTGEN_RESULTS_DEFAULT_SERIALIZER = 'a\\u0000'\n[blocks]\n"))
	f.Add([]byte("= \n[[blocks]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := settings.ParseProfile("/h/config.toml", data)
		if err != nil {
			var se *settings.Error
			if !errors.As(err, &se) || err.Error() == "" {
				t.Fatalf("error %v (%T) is not a *settings.Error", err, err)
			}
			return
		}
		out, err := p.Encode()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		q, err := settings.ParseProfile("/h/config.toml", out)
		if err != nil {
			t.Fatalf("re-parse of encoded profile: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p.Blocks(), q.Blocks()) {
			t.Fatalf("blocks changed: %v -> %v", p.Blocks(), q.Blocks())
		}
		for _, name := range settings.Names() {
			a, aok := p.Get(name)
			b, bok := q.Get(name)
			if a != b || aok != bok {
				t.Fatalf("%s changed: %q,%v -> %q,%v", name, a, aok, b, bok)
			}
		}
	})
}
