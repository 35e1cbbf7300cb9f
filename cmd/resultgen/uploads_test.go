package main

import (
	"context"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
)

// TestResultsUploadsS3 leaves an incomplete multipart upload in an S3 store
// (as a writer killed mid-upload does): verify lists it without failing (it
// is young, so perhaps in progress), prune -uploads -dry-run lists it and
// keeps it, -older-than 1h spares it, and -older-than 0s aborts it.
func TestResultsUploadsS3(t *testing.T) {
	srv := s3test.Shared(t)
	configHome(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://"+srv.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.User)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Password)
	t.Setenv("AWS_REGION", s3test.Region)
	spec := "s3://" + bucket + "/team"

	admin := srv.Client(t)
	ctx := context.Background()
	core := minio.Core{Client: admin}
	id, err := core.NewMultipartUpload(ctx, bucket, "team/big.bin", minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.PutObjectPart(ctx, bucket, "team/big.bin", id, 1, strings.NewReader("hello"), 5, minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	left := func() int {
		n := 0
		for u := range admin.ListIncompleteUploads(ctx, bucket, "", true) {
			if u.Err != nil {
				t.Fatal(u.Err)
			}
			n++
		}
		return n
	}

	code, out, errs := call("results", "verify", "-storage", spec)
	if code != exitOK || !strings.Contains(out, "UPLOAD\tbig.bin\tstarted ") || !strings.Contains(out, "5 B") ||
		!strings.Contains(errs, "1 incomplete upload (0 older than 24h)") || !strings.Contains(errs, "prune -uploads -older-than 24h") {
		t.Errorf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if code, out, _ := call("results", "verify", "-storage", spec, "-q"); code != exitOK || strings.Contains(out, "big.bin") {
		t.Errorf("verify -q: exit %d, stdout %q; want a young upload left out", code, out)
	}

	code, out, errs = call("results", "prune", "-storage", spec, "-uploads", "-older-than", "0s", "-dry-run")
	if code != exitOK || !strings.Contains(out, "would abort upload of big.bin (started ") || !strings.Contains(errs, "would abort 1 incomplete upload") {
		t.Errorf("prune -uploads -dry-run: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if n := left(); n != 1 {
		t.Fatalf("after a dry run %d incomplete uploads; want the 1 still there", n)
	}
	code, out, errs = call("results", "prune", "-storage", spec, "-uploads", "-older-than", "1h")
	if code != exitOK || out != "" || !strings.Contains(errs, "aborted 0 incomplete uploads") || left() != 1 {
		t.Errorf("prune -uploads -older-than 1h: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	code, out, errs = call("results", "prune", "-storage", spec, "-uploads", "-older-than", "0s")
	if code != exitOK || !strings.Contains(out, "aborted upload of big.bin (started ") || !strings.Contains(errs, "aborted 1 incomplete upload in "+spec) {
		t.Errorf("prune -uploads: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	if n := left(); n != 0 {
		t.Errorf("after prune -uploads %d incomplete uploads are left", n)
	}
	if code, out, _ := call("results", "verify", "-storage", spec); code != exitOK || strings.Contains(out, "UPLOAD") {
		t.Errorf("verify after the abort: exit %d, stdout %q", code, out)
	}
}

func TestResultsPruneUploadsUsage(t *testing.T) {
	resultsHome(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"prune", "-uploads"}, "needs -older-than"},
		{[]string{"prune", "-uploads", "-older-than", "1h", "-expired"}, "select records, not uploads"},
		{[]string{"prune", "-uploads", "-older-than", "1h", "-task", "t"}, "select records, not uploads"},
		{[]string{"prune", "-older-than", "0s"}, "must be positive for records"},
	}
	for _, tt := range tests {
		code, _, errs := call("results", tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tt.args, code, errs, exitUsage, tt.want)
		}
	}
	// A local store has no uploads: nothing to do, and no failure.
	if code, _, errs := call("results", "prune", "-uploads", "-older-than", "0s"); code != exitOK || !strings.Contains(errs, "keeps no incomplete uploads") {
		t.Errorf("prune -uploads on local storage: exit %d, stderr %q", code, errs)
	}
}
