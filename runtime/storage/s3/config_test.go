package s3_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in             string
		bucket, prefix string
		err            string // substring of the error; "" means success
	}{
		{in: "s3://results", bucket: "results"},
		{in: "s3://results/", bucket: "results"},
		{in: "s3://results/prod", bucket: "results", prefix: "prod"},
		{in: "s3://results/prod/team-a/", bucket: "results", prefix: "prod/team-a"},
		{in: "s3://my.bucket-1/a", bucket: "my.bucket-1", prefix: "a"},
		{in: "https://results/prod", err: "an S3 URL starts with s3://"},
		{in: "results/prod", err: "an S3 URL starts with s3://"},
		{in: "s3://", err: "missing bucket name"},
		{in: "s3:///prod", err: "missing bucket name"},
		{in: "s3://AKIA:secret@results/prod", err: "credentials do not belong"},
		{in: "s3://results/prod?region=x", err: "no query or fragment"},
		{in: "s3://results/prod#x", err: "no query or fragment"},
		{in: "s3://Results/prod", err: "bucket"},
		{in: "s3://ab/prod", err: "bucket"},
		{in: "s3://results:9000/prod", err: "bucket"},
		{in: "s3://results/a//b", err: "prefix"},
		{in: "s3://results/a/../b", err: "prefix"},
		{in: "s3://results/.locks", err: "reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			bucket, prefix, err := s3.ParseURL(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseURL(%q) = %q, %q, %v; want error containing %q", tt.in, bucket, prefix, err, tt.err)
				}
				return
			}
			if err != nil || bucket != tt.bucket || prefix != tt.prefix {
				t.Fatalf("ParseURL(%q) = %q, %q, %v; want %q, %q", tt.in, bucket, prefix, err, tt.bucket, tt.prefix)
			}
		})
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://results/prod", "s3://b/", "s3://a@b/c", "s3://results/a//b", "s3://x/y?z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bucket, prefix, err := s3.ParseURL(s)
		if err != nil {
			return
		}
		// What parses prints back to an equivalent URL and parses the same.
		again := "s3://" + bucket
		if prefix != "" {
			again += "/" + prefix
		}
		b2, p2, err := s3.ParseURL(again)
		if err != nil || b2 != bucket || p2 != prefix {
			t.Fatalf("ParseURL(%q) = %q, %q but ParseURL(%q) = %q, %q, %v", s, bucket, prefix, again, b2, p2, err)
		}
		if prefix != "" && storage.ValidateKey(prefix) != nil {
			t.Fatalf("ParseURL(%q) accepted invalid prefix %q", s, prefix)
		}
	})
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		endpoint string
		insecure bool
		region   string
		err      string
	}{
		{name: "defaults", env: nil},
		{name: "endpoint url http", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}, endpoint: "127.0.0.1:9000", insecure: true},
		{name: "endpoint url https", env: map[string]string{"AWS_ENDPOINT_URL": "https://s3.example.test"}, endpoint: "s3.example.test"},
		{name: "s3 endpoint wins", env: map[string]string{
			"AWS_ENDPOINT_URL":    "https://other.example.test",
			"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9100/",
		}, endpoint: "127.0.0.1:9100", insecure: true},
		{name: "region", env: map[string]string{"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-2"}, region: "eu-west-3"},
		{name: "default region", env: map[string]string{"AWS_DEFAULT_REGION": "us-west-2"}, region: "us-west-2"},
		{name: "no scheme is tls", env: map[string]string{"AWS_ENDPOINT_URL_S3": "127.0.0.1:9000"}, endpoint: "127.0.0.1:9000"},
		{name: "bad port names the variable", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:0"}, err: "AWS_ENDPOINT_URL_S3"},
		{name: "ftp scheme", env: map[string]string{"AWS_ENDPOINT_URL": "ftp://h"}, err: "http:// or https://"},
		{name: "credentials in endpoint", env: map[string]string{"AWS_ENDPOINT_URL": "http://k:s@h:1"}, err: "credentials do not belong"},
		{name: "path in endpoint", env: map[string]string{"AWS_ENDPOINT_URL": "http://h:1/bucket"}, err: "path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := s3.ConfigFromEnv("s3://results/prod", lookup)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v; want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Bucket != "results" || cfg.Prefix != "prod" || cfg.Endpoint != tt.endpoint ||
				cfg.Insecure != tt.insecure || cfg.Region != tt.region || cfg.Credentials == nil {
				t.Fatalf("cfg = %+v; want endpoint %q insecure %v region %q", cfg, tt.endpoint, tt.insecure, tt.region)
			}
		})
	}
}

func TestConfigFromEnvCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	if err := os.WriteFile(file, []byte("[default]\naws_access_key_id = FILEDEFAULT\naws_secret_access_key = s1\n\n[ci]\naws_access_key_id = FILECI\naws_secret_access_key = s2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    map[string]string
		wantID string
	}{
		{name: "env keys first", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SHARED_CREDENTIALS_FILE": file,
		}, wantID: "ENVKEY"},
		{name: "file default profile", env: map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}, wantID: "FILEDEFAULT"},
		{name: "file named profile", env: map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "ci"}, wantID: "FILECI"},
		{name: "half env pair falls through", env: map[string]string{"AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SHARED_CREDENTIALS_FILE": file}, wantID: "FILEDEFAULT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
			cfg, err := s3.ConfigFromEnv("s3://results", lookup)
			if err != nil {
				t.Fatal(err)
			}
			v, err := cfg.Credentials.GetWithContext(nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.AccessKeyID != tt.wantID {
				t.Fatalf("access key = %q; want %q", v.AccessKeyID, tt.wantID)
			}
		})
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  s3.Config
		err  string
	}{
		{name: "no bucket", cfg: s3.Config{}, err: "no bucket"},
		{name: "bad bucket", cfg: s3.Config{Bucket: "Bad_Bucket"}, err: "bucket"},
		{name: "other scheme in endpoint", cfg: s3.Config{Bucket: "results", Endpoint: "ftp://127.0.0.1:1"}, err: "http:// or https://"},
		{name: "https and insecure", cfg: s3.Config{Bucket: "results", Endpoint: "https://127.0.0.1:1", Insecure: true}, err: "contradict"},
		{name: "small part", cfg: s3.Config{Bucket: "results", PartSize: 1 << 20}, err: "part size"},
		{name: "bad prefix", cfg: s3.Config{Bucket: "results", Prefix: "a/../b"}, err: "prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3.Open(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Open = %v; want error containing %q", err, tt.err)
			}
		})
	}
}

// TestOpenUnreachableNamesEndpoint needs no server: nothing listens there.
func TestOpenUnreachableNamesEndpoint(t *testing.T) {
	endpoint := fmt.Sprintf("127.0.0.1:%d", s3test.FreePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := s3.Open(ctx, s3.Config{Bucket: "results", Endpoint: endpoint, Insecure: true, Region: "us-east-1", MaxRetries: 1})
	if err == nil {
		t.Fatal("Open against a closed port succeeded")
	}
	if !strings.Contains(err.Error(), endpoint) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v; want it to name %s and the refused connection", err, endpoint)
	}
	if errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("err = %v; an unreachable server is not a missing object", err)
	}
}
