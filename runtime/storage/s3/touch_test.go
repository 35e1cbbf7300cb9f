package s3_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Touch keeps the object's Content-Type and metadata: a copy that replaces
// the metadata would otherwise reset it.
func TestTouchKeepsContentType(t *testing.T) {
	ctx := context.Background()
	st, cfg := openStore(t, "", nil)
	body := []byte("touched")
	if err := st.Put(ctx, "t/obj", bytes.NewReader(body), storage.PutOptions{Size: int64(len(body)), Metadata: map[string]string{"task": "x"}}); err != nil {
		t.Fatal(err)
	}
	admin := s3test.Shared(t).Client(t)
	before, err := admin.StatObject(ctx, cfg.Bucket, "t/obj", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // LastModified has whole seconds
	if err := st.Touch(ctx, "t/obj", time.Now()); err != nil {
		t.Fatal(err)
	}
	after, err := admin.StatObject(ctx, cfg.Bucket, "t/obj", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.ContentType != before.ContentType || after.ContentType != "application/octet-stream" {
		t.Errorf("Content-Type %q after Touch, %q before", after.ContentType, before.ContentType)
	}
	if !after.LastModified.After(before.LastModified) {
		t.Errorf("LastModified %v after Touch, %v before", after.LastModified, before.LastModified)
	}
	info, err := st.Stat(ctx, "t/obj")
	if err != nil || info.Metadata["task"] != "x" {
		t.Errorf("metadata after Touch: %v, %v", info.Metadata, err)
	}
}
