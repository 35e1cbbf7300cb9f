package s3_test

import (
	"context"
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// openStore opens a Storage on a fresh bucket of the test MinIO (see
// package s3test), removed with its contents when the test ends.
func openStore(t testing.TB, prefix string, tune func(*s3.Config)) (*s3.Storage, s3.Config) {
	t.Helper()
	srv := s3test.Shared(t)
	cfg := s3.Config{
		Bucket:      srv.NewBucket(t, s3test.BucketOptions{}),
		Prefix:      prefix,
		Endpoint:    srv.Endpoint,
		Region:      s3test.Region,
		Insecure:    true,
		Credentials: srv.Creds(),
	}
	if tune != nil {
		tune(&cfg)
	}
	st, err := s3.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return st, cfg
}
