package s3_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
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
		sse, err := s3.ParseSSE(spec, os.LookupEnv)
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
			if st.ContentMatch() != nil {
				t.Error("ContentMatch is set on a store that encrypts on the server (its ETags are no MD5)")
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
		if _, err := s3.ParseSSE(spec, os.LookupEnv); err != nil {
			t.Errorf("%q: %v", spec, err)
		}
	}
	for _, spec := range []string{"c", "sse-c", "aes256", "kms:"} {
		if _, err := s3.ParseSSE(spec, os.LookupEnv); err == nil {
			t.Errorf("%q: no error", spec)
		}
	}
}

// SSE-C on a MinIO of the test's own serving HTTPS (MinIO refuses a
// customer key over plain HTTP): every object Put writes, small or in
// parts, and Touch rewrites, reads back (whole and ranged) with the key
// it was written with; with another key, or none, the read fails with
// ErrSSECKey, never quoting a key, and the object stays readable with
// its own. A store with SSE-C on a plain-HTTP endpoint does not open.
func TestServerSideEncryptionC(t *testing.T) {
	srv := s3test.StartMinIOTLS(t).Server()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bucket := s3test.BucketName(t)
	open := func(sse s3.ServerSide) *s3.Storage {
		t.Helper()
		st, err := s3.Open(ctx, s3.Config{Bucket: bucket, CreateBucket: true, Endpoint: srv.Endpoint, Region: s3test.Region,
			Credentials: srv.Creds(), MaxRetries: 1, SSE: sse, PartSize: s3.MinPartSize, Transport: srv.Transport()})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	keys := [2]string{base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))}
	sse := func(key string) s3.ServerSide {
		t.Helper()
		s, err := s3.ParseSSE("c", func(name string) (string, bool) { return key, name == s3.EnvSSECKey })
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	owner := open(sse(keys[0]))
	small := []byte("customer-key encrypted")
	big := bytes.Repeat([]byte("part "), int(s3.MinPartSize/5*2+7)) // more than two parts
	bodies := map[string][]byte{"small": small, "big": big}
	for key, body := range bodies {
		if err := owner.Put(ctx, key, bytes.NewReader(body), storage.PutOptions{Size: -1}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	if err := owner.Touch(ctx, "small", time.Now()); err != nil {
		t.Fatalf("touch: %v", err)
	}
	readsBack := func() {
		t.Helper()
		for key, body := range bodies {
			rc, err := owner.Get(ctx, key)
			if err != nil {
				t.Fatalf("get %s with its key: %v", key, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%s reads back %d bytes, %v", key, len(got), err)
			}
			rc, err = owner.GetRange(ctx, key, 3, 5)
			if err != nil {
				t.Fatalf("ranged get %s: %v", key, err)
			}
			got, _ = io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, body[3:8]) {
				t.Errorf("%s range reads %q", key, got)
			}
		}
	}
	readsBack()
	for name, st := range map[string]*s3.Storage{"another key": open(sse(keys[1])), "no key": open(nil)} {
		_, gerr := st.Get(ctx, "big")
		_, rerr := st.GetRange(ctx, "small", 1, 2)
		_, serr := st.Stat(ctx, "small")
		terr := st.Touch(ctx, "small", time.Now())
		for op, err := range map[string]error{"get": gerr, "ranged get": rerr, "stat": serr, "touch": terr} {
			if !errors.Is(err, s3.ErrSSECKey) || errors.Is(err, storage.ErrNotFound) {
				t.Errorf("%s, %s: %v, want ErrSSECKey", name, op, err)
				continue
			}
			for _, k := range keys {
				if strings.Contains(err.Error(), k) {
					t.Errorf("%s, %s: the error quotes a key: %v", name, op, err)
				}
			}
		}
		t.Logf("%s: %v", name, gerr)
	}
	readsBack() // refused reads and touches changed nothing
	if _, err := s3.Open(ctx, s3.Config{Bucket: bucket, Endpoint: "http://" + srv.Endpoint, Credentials: srv.Creds(), SSE: sse(keys[0])}); err == nil || !strings.Contains(err.Error(), "HTTPS") {
		t.Errorf("open with sse-c over plain HTTP: %v", err)
	}
}

// ParseSSE("c") takes the customer key from the environment or a key
// file, and its errors name where it looked, never the key.
func TestParseSSEC(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	file := filepath.Join(t.TempDir(), "sse-c.key")
	if err := os.WriteFile(file, []byte(good+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) (string, bool) {
		return func(name string) (string, bool) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == name {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	for _, lookup := range []func(string) (string, bool){env(s3.EnvSSECKey, good), env(s3.EnvSSECKeyFile, file)} {
		if sse, err := s3.ParseSSE("c", lookup); err != nil || sse == nil || sse.Type() != "SSE-C" {
			t.Errorf("ParseSSE(c): %v, %v", sse, err)
		}
	}
	short := base64.StdEncoding.EncodeToString([]byte("too-short-secret-key"))
	for name, c := range map[string]struct {
		lookup func(string) (string, bool)
		want   string
	}{
		"none":     {env(), s3.EnvSSECKey},
		"short":    {env(s3.EnvSSECKey, short), "32 bytes"},
		"not b64":  {env(s3.EnvSSECKey, "not base64 at all!"), s3.EnvSSECKey},
		"no file":  {env(s3.EnvSSECKeyFile, file+".missing"), s3.EnvSSECKeyFile},
		"bad file": {env(s3.EnvSSECKeyFile, os.Args[0]), s3.EnvSSECKeyFile},
	} {
		_, err := s3.ParseSSE("c", c.lookup)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), short) || strings.Contains(err.Error(), "not base64 at all") {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
	}
}
