package s3e2e_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/internal/s3/s3test"
)

// TestServerWithoutConditionalWrites runs the flows against servers that
// ignore or reject conditional writes (a proxy in front of MinIO): every
// guarantee that needs one is refused before any record is committed, with
// an error naming the server and the feature, rather than broken silently.
// A commit (write-if-absent), a serializable key and a named run each fail
// so, and nothing is left in the bucket.
func TestServerWithoutConditionalWrites(t *testing.T) {
	srv := s3test.Shared(t)
	for _, tc := range []struct {
		name  string
		c     s3test.Conditions
		found string
	}{
		{"ignores", s3test.IgnoreConditions, "the condition was ignored"},
		{"rejects", s3test.RejectConditions, "rejected: 501 NotImplemented"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := s3test.NewProxy(t, srv, tc.c)
			w := newWorld(t, proxy.Server, s3test.BucketOptions{})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			refused := func(what, stderr string, also ...string) {
				t.Helper()
				t.Logf("%s: %s", what, stderr)
				for _, want := range append([]string{"the server at " + proxy.Endpoint,
					"does not honour If-None-Match: * on PutObject", tc.found}, also...) {
					if !strings.Contains(stderr, want) {
						t.Errorf("%s: stderr does not say %q:\n%s", what, want, stderr)
					}
				}
				if strings.Contains(stderr, srv.Password) {
					t.Errorf("%s: stderr shows the secret key", what)
				}
			}

			// A task's commit.
			p := w.start(t, ctx, "share", "alpha")
			<-p.done
			if p.err == nil {
				t.Fatalf("share on a server without conditional writes succeeded:\n%s\n%s", p.stdout, p.stderr)
			}
			refused("share", p.stderr.String(), "write-if-absent commit")

			// An isolation=serializable key.
			w.signal(t, "go")
			p = w.start(t, ctx, "serializable", "k")
			<-p.done
			if p.err == nil {
				t.Fatalf("serializable on a server without conditional writes succeeded:\n%s", p.stdout)
			}
			refused("serializable", p.stderr.String(), "isolation=serializable")
			if strings.Contains(p.stdout.String(), "body task=") {
				t.Errorf("serializable: a task body ran without its lease:\n%s", p.stdout)
			}

			// A named (durable) run.
			cmd := exec.CommandContext(ctx, durable.Path(t), "order-42", "3")
			cmd.Env = w.durableEnv()
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			out, _ := durabletest.Parse(stdout.String(), stderr.String())
			if len(out.Tasks) > 0 || out.State == "Completed" {
				t.Errorf("named run on a server without conditional writes ran %d tasks, state %q (exit %v):\n%s\n%s",
					len(out.Tasks), out.State, err, stdout.String(), stderr.String())
			}
			refused("named run", stdout.String()+stderr.String(), `run id "order-42"`)

			// The probe cleaned up after itself, and nothing was committed.
			for o := range w.client(t).ListObjects(ctx, w.bucket, minio.ListObjectsOptions{Recursive: true}) {
				if o.Err != nil {
					t.Fatal(o.Err)
				}
				t.Errorf("object left in the bucket: %q", o.Key)
			}
		})
	}
}
