package rules_test

import (
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/rules"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"s3://AKIAEXAMPLE:Secret@bucket/p", "s3://***@bucket/p"},
		{"http://user:Secret@host:9000", "http://***@host:9000"},
		{"http://user:Se/cr?e#t@host:9000", "http://***@host:9000"},
		{"AKIAEXAMPLE:Secret@host:9000", "***@host:9000"},
		{"AKIAEXAMPLE:Secret@http://host", "***@http://host"},
		{"s3://bucket/p?X-Amz-Signature=abc", "s3://bucket/p?***"},
		{"https://h/o?X-Amz-Credential=AKIA&X-Amz-Signature=abc#frag", "https://h/o?***"},
		{"http://u:p@h/o?sig=abc", "http://***@h/o?***"},
		{"s3://bucket/p", "s3://bucket/p"},
		{"http://h:1", "http://h:1"},
		{"local", "local"},
		{"local:/data/a@b", "local:/data/a@b"},
		{"local:x@y", "local:x@y"},
		{"/tmp/a@b", "/tmp/a@b"},
		{"s3/prod", "s3/prod"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := rules.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShortKey(t *testing.T) {
	if got := rules.ShortKey("a/b.json"); got != "a/b.json" {
		t.Errorf("short key changed: %q", got)
	}
	exact := strings.Repeat("k", rules.MaxShownKey)
	if got := rules.ShortKey(exact); got != exact {
		t.Errorf("a key of %d bytes is shortened", rules.MaxShownKey)
	}
	long := "report-" + strings.Repeat("é", 2500)
	got := rules.ShortKey(long)
	if len(got) > rules.MaxShownKey {
		t.Errorf("ShortKey gives %d bytes: %q", len(got), got)
	}
	if !strings.HasPrefix(got, "report-é") || !strings.Contains(got, "(5007 bytes, sha256:") {
		t.Errorf("ShortKey = %q", got)
	}
	if other := rules.ShortKey(long + "x"); other == got {
		t.Errorf("two long keys shorten to the same text %q", got)
	}
	if !strings.HasPrefix(got, "report-") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("ShortKey cut a character: %q", got)
	}
}
