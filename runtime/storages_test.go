package runtime_test

import (
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// TestOpenS3Endpoint: the endpoint of a block, else of AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL, is read by the one parser with the block's insecure
// setting. The server is a plain-HTTP stand-in, so a TLS attempt fails.
func TestOpenS3Endpoint(t *testing.T) {
	srv := s3test.NewEmptyBucket(t, "results")
	tests := []struct {
		name  string
		env   map[string]string // AWS variables
		block *settings.Block   // nil: open s3://results/p
		err   string            // "" means it opens
	}{
		{name: "env http url", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://" + srv.Host}},
		{name: "env http url with slash", env: map[string]string{"AWS_ENDPOINT_URL": "http://" + srv.Host + "/"}},
		{name: "env bare is tls", env: map[string]string{"AWS_ENDPOINT_URL_S3": srv.Host}, err: "HTTPS"},
		{name: "env bare with block insecure", env: map[string]string{"AWS_ENDPOINT_URL_S3": srv.Host},
			block: &settings.Block{Insecure: true}},
		{name: "env https with block insecure", env: map[string]string{"AWS_ENDPOINT_URL_S3": "https://" + srv.Host},
			block: &settings.Block{Insecure: true}, err: "contradicts insecure = true"},
		{name: "env credentials", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://AKIA:hunter2@" + srv.Host}, err: "***"},
		{name: "env path", env: map[string]string{"AWS_ENDPOINT_URL": "http://" + srv.Host + "/results"}, err: "AWS_ENDPOINT_URL"},
		{name: "block http url", block: &settings.Block{Endpoint: "http://" + srv.Host}},
		{name: "block bare insecure", block: &settings.Block{Endpoint: srv.Host, Insecure: true}},
		{name: "block beats env", env: map[string]string{"AWS_ENDPOINT_URL_S3": "https://elsewhere.invalid"},
			block: &settings.Block{Endpoint: "http://" + srv.Host}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SHARED_CREDENTIALS_FILE"} {
				t.Setenv(n, "")
			}
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_ACCESS_KEY_ID", "test")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			spec := "s3://results/p"
			s := settings.Settings{Blocks: map[string]settings.Block{}}
			if tt.block != nil {
				b := *tt.block
				b.Slug, b.URL = "s3/test", "s3://results/p"
				s.Blocks[b.Slug] = b
				spec = b.Slug
			}
			e := runtime.NewEngine(s)
			defer e.Close()
			_, err := e.OpenStorage(spec)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("OpenStorage(%q): %v", spec, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("OpenStorage(%q) = %v; want an error containing %q", spec, err, tt.err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error prints a secret: %v", err)
			}
		})
	}
}
