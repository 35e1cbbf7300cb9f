package main

import (
	"context"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
)

// A block whose bucket does not exist (issue 22.5): results ls says so and
// gives the command that makes it; block create -create-bucket makes it on
// a real MinIO, and says so when it exists already; results ls then works.
func TestBlockCreateBucketS3(t *testing.T) {
	srv := s3test.Shared(t)
	configHome(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.User)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Password)
	t.Setenv("AWS_REGION", s3test.Region)
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	bucket := "rg-made-" + s3test.RandomHex(6)
	endpoint := "http://" + srv.Endpoint
	admin := srv.Client(t)
	t.Cleanup(func() { admin.RemoveBucket(context.Background(), bucket) })

	code, out, errs := call("block", "create", "s3/dev", "-url", "s3://"+bucket+"/team", "-endpoint", endpoint)
	if code != exitOK {
		t.Fatalf("block create: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = call("results", "ls", "-storage", "s3/dev")
	if code != exitProblems || !strings.Contains(errs, "bucket does not exist") || !strings.Contains(errs, bucket) ||
		!strings.Contains(errs, "create the bucket of block s3/dev with: resultgen block create s3/dev -create-bucket") {
		t.Fatalf("ls of a missing bucket: exit %d\n%s%s", code, out, errs)
	}
	if ok, _ := admin.BucketExists(context.Background(), bucket); ok {
		t.Fatal("ls created the bucket")
	}

	// the fix, as printed
	code, out, errs = call("block", "create", "s3/dev", "-create-bucket")
	if code != exitOK || out != "created bucket "+bucket+" at "+endpoint+"\n" {
		t.Fatalf("block create s3/dev -create-bucket: exit %d\n%s%s", code, out, errs)
	}
	if ok, err := admin.BucketExists(context.Background(), bucket); !ok || err != nil {
		t.Fatalf("bucket %s not made: %v", bucket, err)
	}
	code, out, errs = call("results", "ls", "-storage", "s3/dev")
	if code != exitOK || !strings.Contains(errs, "no objects in s3://"+bucket+"/team") {
		t.Errorf("ls after -create-bucket: exit %d\n%s%s", code, out, errs)
	}

	// a new block with its bucket in one command; an existing bucket is said
	other := "rg-made-" + s3test.RandomHex(6)
	t.Cleanup(func() { admin.RemoveBucket(context.Background(), other) })
	code, out, errs = call("block", "create", "s3/prod", "-url", "s3://"+other, "-endpoint", endpoint, "-create-bucket")
	if code != exitOK || !strings.HasPrefix(out, "created bucket "+other+" at ") || !strings.Contains(out, "created block s3/prod") {
		t.Errorf("block create -create-bucket: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = call("block", "create", "s3/prod", "-create-bucket")
	if code != exitOK || !strings.HasPrefix(out, "bucket "+other+" exists at ") {
		t.Errorf("second -create-bucket: exit %d\n%s%s", code, out, errs)
	}

	// usage: a local block has no bucket; an unknown block needs its -url
	if code, _, errs := call("block", "create", "local/x", "-path", t.TempDir(), "-create-bucket"); code != exitUsage || !strings.Contains(errs, "-create-bucket is for s3 blocks") {
		t.Errorf("local -create-bucket: exit %d %s", code, errs)
	}
	if code, _, errs := call("block", "create", "s3/nope", "-create-bucket"); code != exitUsage || !strings.Contains(errs, "no block s3/nope") {
		t.Errorf("unknown block -create-bucket: exit %d %s", code, errs)
	}
}
