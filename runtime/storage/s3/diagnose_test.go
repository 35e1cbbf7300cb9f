package s3_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// openAt opens s3://results/p at srv with the AWS variables of env (and
// no shared credentials file), with or without a region.
func openAt(t *testing.T, srv *httptest.Server, env map[string]string, region string) error {
	t.Helper()
	vars := map[string]string{
		"AWS_ENDPOINT_URL_S3":         srv.URL,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(t.TempDir(), "missing"),
		"AWS_REGION":                  region,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := s3.ConfigFromEnv("s3://results/p", func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxRetries = 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := s3.Open(ctx, cfg)
	if err == nil {
		t.Fatalf("opened %s", st)
	}
	return err
}

// A web server that is not S3 answers a plain 404 page: Open says the
// endpoint does not look like an S3 server, not that the bucket is missing.
func TestOpenNotS3Server(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body><h1>404 Not Found</h1></body></html>")
	}))
	defer srv.Close()
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret"}
	for _, region := range []string{"us-east-1", ""} {
		err := openAt(t, srv, creds, region)
		msg := err.Error()
		if !strings.Contains(msg, "does not look like an S3 server") || !strings.Contains(msg, srv.Listener.Addr().String()) || !strings.Contains(msg, "404") {
			t.Errorf("region %q: %v; want it to say the endpoint is not an S3 server", region, err)
		}
		if strings.Contains(msg, "does not exist") {
			t.Errorf("region %q: %v; still says the bucket does not exist", region, err)
		}
	}
}

// An S3 server that denies an anonymous request: the error says no
// credentials were found and names the AWS variables and files.
func TestOpenAnonymousAccessDenied(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Amz-Request-Id", "req-1")
		w.WriteHeader(http.StatusForbidden)
		if r.Method != http.MethodHead {
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message><RequestId>req-1</RequestId></Error>`)
		}
	}))
	defer srv.Close()
	err := openAt(t, srv, nil, "us-east-1")
	for _, want := range []string{"anonymous", "no credentials were found", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "~/.aws/credentials", srv.Listener.Addr().String()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("anonymous: %v; want it to say %q", err, want)
		}
	}
	err = openAt(t, srv, map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret"}, "us-east-1")
	if strings.Contains(err.Error(), "anonymous") {
		t.Errorf("with credentials: %v; says anonymous", err)
	}
}
