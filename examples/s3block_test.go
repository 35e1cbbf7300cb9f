package examples_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// TestS3Block creates the block s3/results with the resultgen CLI, as the
// example's doc says, and runs the example twice: the first run computes
// and stores each forecast in the bucket, the second loads them.
func TestS3Block(t *testing.T) {
	t.Parallel()
	srv := s3test.Shared(t)
	ep, creds, client := srv.Endpoint, srv.Creds(), srv.Client(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	bin, e := build(t, "s3block"), newEnv(t)

	create := exec.Command("go", "run", "../cmd/resultgen", "block", "create", "s3/results",
		"--url", "s3://"+bucket+"/forecasts", "--endpoint", "http://"+ep)
	create.Env = append(os.Environ(), "RESULTGEN_HOME="+e.home)
	if out, err := create.CombinedOutput(); err != nil {
		t.Fatalf("resultgen block create: %v\n%s", err, out)
	}

	loc := `s3://` + bucket + `/forecasts/forecast/`
	first := e.run(t, bin)
	mustMatch(t, first,
		`(?m)^Completed\s+oslo\s.*-> `+loc+`oslo\.json$`,
		`(?m)^Completed\s+lima\s.*-> `+loc+`lima\.json$`,
		`(?m)^Completed\s+perth\s.*-> `+loc+`perth\.json$`)
	second := e.run(t, bin)
	mustMatch(t, second,
		`(?m)^Cached\s+oslo\s.*-> `+loc+`oslo\.json$`,
		`(?m)^Cached\s+lima\s.*-> `+loc+`lima\.json$`,
		`(?m)^Cached\s+perth\s.*-> `+loc+`perth\.json$`)
	mustContain(t, second, "flow morning forecast 3 cities")
	if a, b := strings.ReplaceAll(first, "Completed", "Cached   "), second; a != b {
		t.Errorf("the second run's values differ from the first's:\nfirst:\n%s\nsecond:\n%s", first, second)
	}

	// The records are objects in the bucket, with their metadata.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, city := range []string{"oslo", "lima", "perth"} {
		if _, err := client.StatObject(ctx, bucket, "forecasts/forecast/"+city+".json", minio.StatObjectOptions{}); err != nil {
			t.Errorf("object of %s: %v", city, err)
		}
	}
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "forecasts", Endpoint: ep, Region: "us-east-1", Insecure: true, Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	m, err := record.Head(ctx, st, "forecast/oslo.json")
	if err != nil {
		t.Fatalf("record of oslo: %v", err)
	}
	if m.Task != "Forecast" || m.Serializer == nil || m.Serializer.Type != "json" {
		t.Errorf("record of oslo: task %q, serializer %v; want Forecast, json", m.Task, m.Serializer)
	}
}
