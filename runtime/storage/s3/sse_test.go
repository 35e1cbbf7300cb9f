package s3_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// SSE-S3 and SSE-KMS on a MinIO of the test's own, started with a static
// KMS key (MINIO_KMS_SECRET_KEY): every object Put writes, small or in
// parts, and Touch rewrites, is stored encrypted as asked, and reads back
// with nothing more.
func TestServerSideEncryption(t *testing.T) {
	const kmsKey = "rg-test-key"
	t.Setenv("MINIO_KMS_SECRET_KEY", kmsKey+":"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	srv := s3test.StartMinIO(t).Server()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := srv.Client(t)
	for spec, want := range map[string]string{ // a block's sse: the object's x-amz-server-side-encryption
		"s3":            "AES256",
		"kms:" + kmsKey: "aws:kms",
		"kms":           "aws:kms",
	} {
		sse, err := s3.ParseSSE(spec)
		if err != nil {
			t.Fatal(err)
		}
		c := struct {
			sse  s3.ServerSide
			want string
		}{sse, want}
		name := spec
		t.Run(name, func(t *testing.T) {
			bucket := s3test.BucketName(t)
			st, err := s3.Open(ctx, s3.Config{Bucket: bucket, CreateBucket: true, Endpoint: srv.Endpoint, Region: s3test.Region,
				Insecure: true, Credentials: srv.Creds(), MaxRetries: 1, SSE: c.sse, PartSize: s3.MinPartSize})
			if err != nil {
				t.Fatal(err)
			}
			small := []byte("server-side encrypted")
			big := bytes.Repeat([]byte("part "), int(s3.MinPartSize/5*2+7)) // more than two parts
			for key, body := range map[string][]byte{"small": small, "big": big} {
				if err := st.Put(ctx, key, bytes.NewReader(body), storage.PutOptions{Size: -1}); err != nil {
					t.Fatalf("put %s: %v", key, err)
				}
				if key == "small" {
					if err := st.Touch(ctx, key, time.Now()); err != nil {
						t.Fatalf("touch: %v", err)
					}
				}
				oi, err := admin.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if got := oi.Metadata.Get("X-Amz-Server-Side-Encryption"); got != c.want {
					t.Errorf("%s: server-side encryption %q, want %q", key, got, c.want)
				}
				rc, err := st.Get(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil || !bytes.Equal(got, body) {
					t.Errorf("%s reads back %d bytes, %v", key, len(got), err)
				}
			}
		})
	}
}

func TestParseSSE(t *testing.T) {
	for _, spec := range []string{"", "s3", "kms", "kms:k1"} {
		if _, err := s3.ParseSSE(spec); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	for _, spec := range []string{"c", "sse-c", "aes256", "kms:"} {
		if _, err := s3.ParseSSE(spec); err == nil {
			t.Errorf("%q: no error", spec)
		}
	}
}
