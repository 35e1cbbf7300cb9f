// Package clean uses every setting well: resultvet reports nothing.
package clean

import (
	"context"
	"time"
)

type Summary struct {
	Year  int
	Total float64
	Tags  map[string]int
	Seen  time.Time
	note  string `json:"-"`
}

//result:task storage_key=summaries/{parameters[year]}/{parameters[region]} serializer=json cache_expiration=24h
func Summarize(ctx context.Context, year int, region string) (Summary, error) {
	return Summary{Year: year}, nil
}

//result:task cache_policy=inputs+task_source cache_in_memory=false
func Square(n int) int { return n * n }

//result:task persist=false
func Log(msg string) {}

//result:task
func Now() string { return time.Now().String() }

//result:flow persist storage=s3/prod retries=2
func Report(ctx context.Context) error {
	if _, err := Summarize(ctx, 2024, "eu"); err != nil {
		return err
	}
	Square(3)
	Log("done")
	_ = Now()
	return nil
}
