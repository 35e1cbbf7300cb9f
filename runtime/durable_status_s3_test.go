package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// TestDurableRunStatusFitsS3: the record of a failed named run with the
// longest run id and a long error of non-ASCII text (three bytes a byte in
// S3 metadata) and a URL with credentials fits in MinIO's object metadata,
// keeps the error cut and redacted, and the run resumes from it.
func TestDurableRunStatusFitsS3(t *testing.T) {
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: srv.Creds()})
	if err != nil {
		t.Fatal(err)
	}
	ectx, _, _ := newEngine(t, nil)
	id := strings.Repeat("r", 255)
	f := newSquares().with(runtime.RunID(id), runtime.StorageBackend(st))
	failing := func(ctx context.Context) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{
			Def:     squaresDef,
			Options: f.opts,
			Inputs:  func(h *runtime.Hasher) error { h.Param("n"); h.Int(2); return nil },
			Body: func(ctx context.Context) (int, error) {
				if _, err := f.square(ctx, 0); err != nil {
					return 0, err
				}
				return 0, errors.New("s3://AKIA:TOPSECRET@bucket/x " + strings.Repeat("错误", 400))
			},
		})
	}
	if st := failing(ectx); !st.IsFailed() || strings.Contains(st.Err().Error(), "record the run's failure") {
		t.Fatalf("failing run: %v", st.Err())
	}
	m, err := record.Head(ctx, st, runtime.RunKey("squares", id))
	if err != nil {
		t.Fatal(err)
	}
	e := m.Labels[runtime.LabelRunError]
	if m.Labels[runtime.LabelRunStatus] != runtime.StateFailed || !strings.HasPrefix(e, "s3://***@bucket/x 错误") || !strings.HasSuffix(e, "…") || strings.Contains(e, "TOPSECRET") {
		t.Fatalf("the failed run's record: status %q, error %q", m.Labels[runtime.LabelRunStatus], e)
	}
	if st := f.State(ectx, 2); !st.IsCompleted() || st.Resumed() != 1 {
		t.Fatalf("resumed run: %v, resumed %d", st.Err(), st.Resumed())
	}
}
