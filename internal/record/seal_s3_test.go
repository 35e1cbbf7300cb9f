package record_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// On MinIO: every serializer round-trips sealed, the object holds no byte
// of the value, metadata (Head from object metadata, ReadMeta by ranges)
// reads without a key, and rotation works across clients (one writes
// under the old key, another re-wraps, a third reads with the new key
// only).
func TestSealedS3(t *testing.T) {
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	open := func() storage.Storage {
		st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "enc", Endpoint: srv.Endpoint, Region: s3test.Region,
			Insecure: true, Credentials: srv.Creds(), MaxRetries: 1})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	old := keyring(t, "old:"+testKey(1))
	both := keyring(t, "old:"+testKey(1)+",*new:"+testKey(2))
	onlyNew := keyring(t, "new:"+testKey(2))
	writer := open()
	for _, ser := range serializers(t) {
		key := "sealed/" + strings.ReplaceAll(ser.Spec().String(), "/", "-")
		if _, err := record.Write(record.WithSealing(ctx, old), writer, key, record.Meta{Task: "t"}, ser, secretRows(), storage.PutOptions{}); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if raw := rawObject(t, writer, key); bytes.Contains(raw, []byte("Zyx")) {
			t.Errorf("%s: the object holds the value in the clear", key)
		}
		for name, read := range map[string]func() (record.Meta, error){
			"Head":     func() (record.Meta, error) { return record.Head(ctx, writer, key) },
			"ReadMeta": func() (record.Meta, error) { return record.ReadMeta(ctx, writer, key) },
		} {
			if m, err := read(); err != nil || m.Encryption == nil || m.Encryption.KeyID != "old" {
				t.Errorf("%s %s without a key: %v, %+v", name, key, err, m.Encryption)
			}
		}
		var got []Row
		if _, err := record.Read(record.WithKeyring(ctx, old), writer, key, ser, &got); err != nil || !sameRows(got, secretRows()) {
			t.Fatalf("%s: %v", key, err)
		}
	}
	big := bytes.Repeat([]byte("sealed on s3 "), 1<<20) // 13 MiB: a multipart upload
	if _, err := record.Write(record.WithSealing(ctx, old), writer, "big", record.Meta{Task: "t"}, nil, big, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rekeyer := open()
	for _, key := range []string{"big", "sealed/msgpack"} {
		if r, err := record.Rekey(ctx, rekeyer, key, both, false); err != nil || !r.Changed {
			t.Fatalf("rekey %s: %+v, %v", key, r, err)
		}
	}
	reader := record.WithKeyring(ctx, onlyNew)
	var got []byte
	if m, err := record.Read(reader, open(), "big", nil, &got); err != nil || !bytes.Equal(got, big) || m.Encryption.KeyID != "new" {
		t.Fatalf("big after rekey: %v", err)
	}
	if m, err := record.Head(ctx, open(), "big"); err != nil || m.Encryption == nil || m.Encryption.KeyID != "new" {
		t.Errorf("object metadata after rekey: %v, %+v", err, m.Encryption)
	}
}
