package s3e2e_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
)

// TestSSECBlock runs the flow on a block with sse = "c" against a MinIO
// serving HTTPS (the processes trust its certificate through
// SSL_CERT_FILE): with the customer key of RESULTGEN_SSE_C_KEY a second
// process reads the first one's results; with another key, or none, a
// process fails with an error naming the block and never quoting a key,
// and the records stay as they were (the first key still reads them).
func TestSSECBlock(t *testing.T) {
	m := s3test.StartMinIOTLS(t)
	w := newWorld(t, m.Server(), s3test.BucketOptions{})
	p, err := settings.OpenProfile(w.home)
	if err != nil {
		t.Fatal(err)
	}
	b := settings.Block{Slug: blockSlug, URL: "s3://" + w.bucket + "/" + w.prefix, Endpoint: "https://" + m.Endpoint(), SSE: "c"}
	if err := p.SetBlock(b); err != nil {
		t.Fatal(err)
	}
	if err := p.Save(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keys := []string{base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{5}, 32)), base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{6}, 32))}
	cert := "SSL_CERT_FILE=" + m.CertFile()
	run := func(env ...string) *proc {
		p := w.startEnv(t, ctx, append([]string{cert}, env...), "share", "alpha")
		<-p.done
		return p
	}
	first := run("RESULTGEN_SSE_C_KEY=" + keys[0])
	if first.err != nil {
		t.Fatalf("first run: %v\n%s", first.err, first.stderr)
	}
	a := only(t, first.stdout.String(), "stamp")
	checkCached := func(what string) {
		t.Helper()
		again := run("RESULTGEN_SSE_C_KEY=" + keys[0])
		if again.err != nil {
			t.Fatalf("%s: %v\n%s", what, again.err, again.stderr)
		}
		if got := only(t, again.stdout.String(), "stamp"); got["state"] != "Cached" || got["value"] != a["value"] {
			t.Errorf("%s: state %s value %q, want Cached %q", what, got["state"], got["value"], a["value"])
		}
	}
	checkCached("the same key")
	for name, env := range map[string][]string{
		"another key": {"RESULTGEN_SSE_C_KEY=" + keys[1]},
		"no key":      nil,
	} {
		p := run(env...)
		out := p.stdout.String() + p.stderr.String()
		if p.err == nil || !strings.Contains(out, "block "+blockSlug) || !strings.Contains(out, "RESULTGEN_SSE_C_KEY") && !strings.Contains(out, "sse-c customer key refused") {
			t.Errorf("%s: exit %v, want a failure naming the block and the key's setting or refusal:\n%s", name, p.err, out)
		}
		for _, k := range keys {
			if strings.Contains(out, k) {
				t.Errorf("%s: the output quotes a customer key:\n%s", name, out)
			}
		}
		t.Logf("%s: %s", name, strings.TrimSpace(p.stderr.String()))
	}
	checkCached("after the refused runs")
}
