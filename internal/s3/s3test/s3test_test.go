package s3test_test

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
)

// validBucket is S3's rule for bucket names without dots: 3 to 63
// lowercase letters, digits and hyphens, starting and ending with a letter
// or digit.
var validBucket = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

func TestBucketName(t *testing.T) {
	tests := []string{
		"plain",
		"With Spaces/and#symbols",
		"---",
		"ÜnïcødeÖnly",
		strings.Repeat("Long_Name-", 20),
		"trailing-hyphen-at-forty-characters-cut-here",
	}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) {
			a, b := s3test.BucketName(t), s3test.BucketName(t)
			for _, got := range []string{a, b} {
				if !validBucket.MatchString(got) || strings.Contains(got, "--") || !strings.HasPrefix(got, "rg-") {
					t.Errorf("BucketName = %q; want a valid S3 bucket name starting rg- without double hyphens", got)
				}
			}
			if a == b {
				t.Errorf("BucketName gave %q twice", a)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	port := s3test.FreePort(t)
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("listen on the free port %d: %v", port, err)
	}
	l.Close()
}

// TestNewBucket checks the bucket exists during the test and is gone,
// objects and all, after it; a kept one stays.
func TestNewBucket(t *testing.T) {
	srv := s3test.Shared(t)
	admin := srv.Client(t)
	var removed, kept string
	t.Run("removed", func(t *testing.T) {
		removed = srv.NewBucket(t, s3test.BucketOptions{})
		if _, err := admin.PutObject(t.Context(), removed, "a/b", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("put into %s: %v", removed, err)
		}
	})
	t.Run("kept", func(t *testing.T) {
		kept = srv.NewBucket(t, s3test.BucketOptions{Keep: true})
	})
	t.Cleanup(func() { _ = admin.RemoveBucket(context.Background(), kept) })
	for _, tt := range []struct {
		bucket string
		want   bool
	}{{removed, false}, {kept, true}} {
		if ok, err := admin.BucketExists(t.Context(), tt.bucket); err != nil || ok != tt.want {
			t.Errorf("after the subtest, BucketExists(%s) = %v, %v; want %v", tt.bucket, ok, err, tt.want)
		}
	}
}

// TestMinIOKillStart checks a private server keeps its data across Kill and
// Start, refuses connections while killed, and leaves the shared one alone.
func TestMinIOKillStart(t *testing.T) {
	m := s3test.StartMinIO(t)
	srv := m.Server()
	if srv.Endpoint == s3test.Shared(t).Endpoint || !strings.HasPrefix(srv.Endpoint, "127.0.0.1:") {
		t.Fatalf("private endpoint %s; want its own port on 127.0.0.1", srv.Endpoint)
	}
	bucket := srv.NewBucket(t, s3test.BucketOptions{Keep: true})
	admin := srv.Client(t, func(o *minio.Options) { o.MaxRetries = 1 })
	if _, err := admin.PutObject(t.Context(), bucket, "k", strings.NewReader("v"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	m.Kill()
	if c, err := net.Dial("tcp", srv.Endpoint); err == nil {
		c.Close()
		t.Fatalf("%s accepts connections after Kill", srv.Endpoint)
	}
	m.Kill() // a second Kill does nothing
	m.Start()
	if _, err := admin.StatObject(t.Context(), bucket, "k", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("after a restart the object is gone: %v", err)
	}
	if ok, err := s3test.Shared(t).Client(t).BucketExists(t.Context(), bucket); err != nil || ok {
		t.Errorf("the shared server has the private bucket %s: %v, %v", bucket, ok, err)
	}
}
