package s3_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		raw    string
		host   string
		scheme string
		err    string // "" means accepted
	}{
		{raw: "127.0.0.1:9000", host: "127.0.0.1:9000"},
		{raw: "minio.internal", host: "minio.internal"},
		{raw: "minio.internal:9000/", host: "minio.internal:9000"},
		{raw: "http://127.0.0.1:9000", host: "127.0.0.1:9000", scheme: "http"},
		{raw: "http://127.0.0.1:9000/", host: "127.0.0.1:9000", scheme: "http"},
		{raw: "HTTP://minio:9000", host: "minio:9000", scheme: "http"},
		{raw: "https://s3.example.test", host: "s3.example.test", scheme: "https"},
		{raw: "https://s3.example.test:8443", host: "s3.example.test:8443", scheme: "https"},
		{raw: "http://[::1]:9000", host: "[::1]:9000", scheme: "http"},
		{raw: "[::1]", host: "[::1]"},

		{raw: "", err: "empty"},
		{raw: "ftp://h:21", err: `scheme "ftp" is not http:// or https://`},
		{raw: "s3://bucket", err: "is not http:// or https://"},
		{raw: "http://h:9000/bucket", err: `path "/bucket"`},
		{raw: "h:9000/bucket/", err: `path "/bucket/"`},
		{raw: "http://h:9000?region=x", err: "no query"},
		{raw: "http://h:9000/?x", err: "no query"},
		{raw: "http://h:9000/o?X-Amz-Signature=abc", err: "no query"},
		{raw: "http://h:9000#top", err: "no fragment"},
		{raw: "http://", err: "no host"},
		{raw: "http://:9000", err: "no host"},
		{raw: "h:99999", err: `port "99999"`},
		{raw: "h:0", err: `port "0"`},
		{raw: "h:http", err: `port "http"`},
		{raw: "h:", err: `port ""`},
		{raw: "bad host:1", err: "not a host name"},
		{raw: "::1", err: "want HOST[:PORT]"},
		{raw: "http://h_:1", err: "not a host name"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			ep, err := s3.ParseEndpoint(tt.raw)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, s3.ErrBadEndpoint) {
					t.Fatalf("ParseEndpoint(%q) = %+v, %v; want an ErrBadEndpoint containing %q", tt.raw, ep, err, tt.err)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("%q", storage.Redact(tt.raw))) {
					t.Errorf("err = %v; want it to quote the endpoint, without its query", err)
				}
				return
			}
			if err != nil || ep.Host != tt.host || ep.Scheme != tt.scheme {
				t.Fatalf("ParseEndpoint(%q) = %+v, %v; want host %q scheme %q", tt.raw, ep, err, tt.host, tt.scheme)
			}
		})
	}
}

// TestParseEndpointRedactsCredentials: credentials are refused and never
// printed back, wherever the "@" is.
func TestParseEndpointRedactsCredentials(t *testing.T) {
	for _, raw := range []string{
		"http://AKIAKEY:s3cr3t@h:9000",
		"https://AKIAKEY:s3cr3t@h",
		"AKIAKEY:s3cr3t@h:9000",
		"http://AKIAKEY:s3/cr3t@h:9000",
		"http://AKIAKEY:s3cr3t?x@h:9000",
		"ftp://AKIAKEY:s3cr3t@h",
		"AKIAKEY:s3cr3t@http://h",
	} {
		_, err := s3.ParseEndpoint(raw)
		if err == nil || !strings.Contains(err.Error(), "credentials do not belong") {
			t.Errorf("ParseEndpoint(%q) = %v; want the credentials refused", raw, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "cr3t") || strings.Contains(err.Error(), "AKIAKEY") {
			t.Errorf("ParseEndpoint(%q) = %v; the error prints the credentials", raw, err)
		}
		if !strings.Contains(err.Error(), "***") {
			t.Errorf("ParseEndpoint(%q) = %v; want *** in their place", raw, err)
		}
	}
}

func TestEndpointPlainHTTP(t *testing.T) {
	tests := []struct {
		raw           string
		insecure, set bool
		plain         bool
		err           string
	}{
		{raw: "h:9000", plain: false},
		{raw: "h:9000", insecure: true, set: true, plain: true},
		{raw: "h:9000", set: true, plain: false},
		{raw: "http://h:9000", plain: true},
		{raw: "http://h:9000", insecure: true, set: true, plain: true},
		{raw: "http://h:9000", set: true, err: "http:// (plain HTTP) contradicts insecure = false"},
		{raw: "https://h", plain: false},
		{raw: "https://h", set: true, plain: false},
		{raw: "https://h", insecure: true, set: true, err: "https:// (TLS) contradicts insecure = true"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/insecure=%v,set=%v", tt.raw, tt.insecure, tt.set), func(t *testing.T) {
			ep, err := s3.ParseEndpoint(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := ep.PlainHTTP(tt.insecure, tt.set)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, s3.ErrBadEndpoint) {
					t.Fatalf("PlainHTTP = %v, %v; want an error containing %q", plain, err, tt.err)
				}
				return
			}
			if err != nil || plain != tt.plain {
				t.Fatalf("PlainHTTP = %v, %v; want %v", plain, err, tt.plain)
			}
		})
	}
}

// TestOpenTakesEndpointURL: Open dials the host of an http:// endpoint over
// plain HTTP (nothing listens, so the error names the host and the refused
// connection rather than a TLS failure or a refusal of the scheme).
func TestOpenTakesEndpointURL(t *testing.T) {
	host := fmt.Sprintf("127.0.0.1:%d", s3test.FreePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := s3.Open(ctx, s3.Config{Bucket: "results", Endpoint: "http://" + host + "/", Region: "us-east-1", MaxRetries: 1})
	if err == nil {
		t.Fatal("Open against a closed port succeeded")
	}
	if !strings.Contains(err.Error(), "at "+host+":") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v; want it to name %s and the refused connection", err, host)
	}
}
