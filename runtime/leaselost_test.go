package runtime_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// A serializable run whose lease is lost while its body runs (here its
// lease object is removed, so its next renewal finds it gone) is no longer
// the key's only writer: another process takes the key over and commits.
// When the first body finishes anyway, the takeover's record wins, also
// where the run would otherwise overwrite (refresh_cache, a damaged record
// at the key), and the run returns the takeover's value. Nothing else
// catches a run that overwrites the takeover's commit (issue 20, item 8).
func TestLostLeaseNeverOverwritesTakeover(t *testing.T) {
	srv := s3test.Shared(t)
	for _, tc := range []struct {
		name    string
		refresh bool // else a damaged record is at the key: stale, replaced
	}{{"refresh", true}, {"damaged record", false}} {
		t.Run(tc.name, func(t *testing.T) {
			bucket := srv.NewBucket(t, s3test.BucketOptions{})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			open := func() *s3.Storage {
				st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
					Insecure: true, Credentials: srv.Creds(), MaxRetries: 1})
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			// Two engines, each with its own store: two processes.
			stA, stB := open(), open()
			vars := map[string]string{settings.LeaseTTL: "1s"}
			ctxA, _, _ := newEngine(t, vars)
			ctxB, _, _ := newEngine(t, vars)

			def := keyedDef("Report", "string", "report")
			def.Config.Isolation = runtime.Serializable
			if !tc.refresh {
				seed := keyed(def, "old").WithOptions(runtime.StorageBackend(stA))
				if _, err := seed.Call(ctxA); err != nil {
					t.Fatal(err)
				}
				b := get(t, stA, "report")
				b[len(b)-60] ^= 0xff // a checksum mismatch
				if err := stA.Put(ctx, "report", bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
					t.Fatal(err)
				}
			}

			started, lost, committed := make(chan struct{}), make(chan struct{}), make(chan struct{})
			a := newTask(def, func(ctx context.Context) (string, error) {
				close(started)
				<-ctx.Done() // the lease is lost: the run's context is cancelled
				close(lost)
				<-committed // a body that finishes anyway, after the takeover committed
				return "A", nil
			})
			a.key = "report"
			a = a.WithOptions(runtime.StorageBackend(stA), runtime.RefreshCache(tc.refresh))
			type result struct {
				v   string
				err error
				st  *runtime.State[string]
			}
			done := make(chan result, 1)
			go func() {
				st := a.State(ctxA)
				v, err := st.Result()
				done <- result{v, err, st}
			}()
			<-started
			// The lease goes: A's next renewal finds it gone.
			admin := srv.Client(t)
			n := 0
			for o := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "p/.locks/", Recursive: true}) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				if err := admin.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 1 {
				t.Fatalf("removed %d lease objects, want A's one", n)
			}
			<-lost

			// B takes the key over and commits.
			b := keyed(def, "B").WithOptions(runtime.StorageBackend(stB), runtime.RefreshCache(tc.refresh))
			if v, err := b.Call(ctxB); v != "B" || err != nil {
				t.Fatalf("the takeover: %q, %v", v, err)
			}
			close(committed)

			r := <-done
			if r.err != nil || r.v != "B" {
				t.Errorf("the run that lost its lease returned %q, %v (%s); want the takeover's %q", r.v, r.err, r.st.Name(), "B")
			}
			var stored string
			if _, err := record.Read(ctx, stA, "report", nil, &stored); err != nil || stored != "B" {
				t.Errorf("the record holds %q, %v; want the takeover's %q: the run that lost its lease overwrote it", stored, err, "B")
			}
		})
	}
}

// get returns the object at key of st.
func get(t *testing.T, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
