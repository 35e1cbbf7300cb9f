// Command s3block keeps its results on S3-compatible object storage (AWS S3,
// MinIO, ...) through a named storage block, so every machine that runs it
// shares them: a forecast computed on one machine is loaded, not recomputed,
// on the others.
//
// The task names the block by its slug, s3/results; where that is lives
// outside the code, in $RESULTGEN_HOME/config.toml (default
// ~/.resultgen/config.toml). Create the block once per machine, naming a
// bucket that exists:
//
//	resultgen block create s3/results -url s3://BUCKET/PREFIX -endpoint http://127.0.0.1:9000
//
// Leave out -endpoint for AWS itself (or set
// AWS_ENDPOINT_URL_S3 instead); resultgen block ls shows the blocks.
// Credentials never go into the block or a directive: they come from the
// standard AWS chain, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with
// AWS_SESSION_TOKEN) or the shared credentials file (~/.aws/credentials,
// AWS_PROFILE), and the region from AWS_REGION:
//
//	export AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... AWS_REGION=us-east-1
//	go run ./cmd/resultgen ./examples/s3block   # or: go generate ./examples/s3block
//	go run ./examples/s3block
//	go run ./examples/s3block                   # again, here or on another machine
//
// The first run prints "Completed" for each city and the s3:// location of
// its record; the second prints "Cached" with the same values, loaded from
// the bucket. To try it locally, ./scripts/with-minio.sh starts a throw-away
// MinIO and exports the endpoint and credentials.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
)

// Outlook is one city's forecast.
type Outlook struct {
	City    string
	HighC   int
	Summary string
}

// Forecast computes (pretends to, deterministically) the forecast of city.
// Each city's forecast is stored in its own object,
// s3://BUCKET/PREFIX/forecast/CITY.json, on the storage block s3/results.
//
//result:task storage=s3/results storage_key="forecast/{parameters[city]}.json" serializer=json
func Forecast(city string) Outlook {
	h := fnv.New32a()
	h.Write([]byte(city))
	n := h.Sum32()
	summaries := []string{"sunny", "cloudy", "rain", "snow", "wind"}
	return Outlook{City: city, HighC: int(n%35) - 5, Summary: summaries[n%uint32(len(summaries))]}
}

// Morning forecasts three cities and prints each task's state, value and
// where its record lives.
//
//result:flow
func Morning(ctx context.Context) (int, error) {
	for _, city := range []string{"oslo", "lima", "perth"} {
		st := ForecastTask.State(ctx, city)
		o, err := st.Result()
		if err != nil {
			return 0, fmt.Errorf("forecast %s: %w", city, err)
		}
		fmt.Printf("%-9s %-5s %3d°C %-6s -> %s\n", st.Name(), o.City, o.HighC, o.Summary, st.Location())
	}
	return 3, nil
}

func main() {
	n, err := MorningFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3block:", err)
		os.Exit(1)
	}
	fmt.Printf("flow morning forecast %d cities\n", n)
}
