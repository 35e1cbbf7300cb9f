package s3_test

import (
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/storagetest"
)

// TestConformance runs the storage conformance suite, each subtest on a
// fresh bucket of the test MinIO, under a key prefix. (The multipart path
// has its own tests in s3_test.go.)
func TestConformance(t *testing.T) {
	s3test.Shared(t)
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		st, _ := openStore(t, "conformance/prefix", nil)
		return st
	})
}
