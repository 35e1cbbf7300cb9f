package settings_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime/settings"
)

// An s3 block's sse is s3, kms, kms:KEYID or c; a local block has none.
func TestBlockSSE(t *testing.T) {
	for _, sse := range []string{"", "s3", "kms", "kms:arn:aws:kms:us-east-1:1:key/abc", "c"} {
		b := settings.Block{Slug: "s3/prod", URL: "s3://bucket/p", SSE: sse}
		if err := b.Validate(); err != nil {
			t.Errorf("%q: %v", sse, err)
		}
	}
	for _, sse := range []string{"C", "SSE-C", "c:key", "kms:", "kms:a b"} {
		b := settings.Block{Slug: "s3/prod", URL: "s3://bucket/p", SSE: sse}
		if err := b.Validate(); !errors.Is(err, settings.ErrInvalidValue) {
			t.Errorf("%q: %v", sse, err)
		}
	}
	if err := (settings.Block{Slug: "local/x", URL: "/srv/x", SSE: "s3"}).Validate(); err == nil {
		t.Error("a local block with sse")
	}
}

// sse is read from config.toml and written back by Save.
func TestBlockSSEProfile(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("[blocks.\"s3/prod\"]\nurl = \"s3://bucket/p\"\nsse = \"kms:k1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := settings.LoadFrom(func(k string) (string, bool) {
		if k == settings.Home {
			return home, true
		}
		return "", false
	})
	if err != nil || s.Blocks["s3/prod"].SSE != "kms:k1" {
		t.Fatalf("%v, %+v", err, s.Blocks)
	}
	p, err := settings.OpenProfile(home)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Encode()
	if err != nil || !strings.Contains(string(b), `sse = 'kms:k1'`) && !strings.Contains(string(b), `sse = "kms:k1"`) {
		t.Errorf("encoded: %v\n%s", err, b)
	}
}
