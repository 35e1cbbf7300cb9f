// Command caching shows a task cached under a key of its own making, with an
// expiration: the first call computes and stores the value, calls within the
// expiration load it without running, and once it has expired the next call
// computes it again.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

// ReportKey names the cache entry of Report: one per region, whatever the
// other arguments are.
func ReportKey(region string, verbose bool) string {
	return "report-" + strings.ToLower(region)
}

var computed int

// Report builds a (pretend expensive) report for region.
//
//result:task cache_key_fn=ReportKey cache_expiration=2s
func Report(region string, verbose bool) (string, error) {
	computed++
	return fmt.Sprintf("report for %s, computed at %s", region, time.Now().Format(time.TimeOnly)), nil
}

// Weekly runs Report three times; the last call comes after the expiration.
//
//result:flow
func Weekly(ctx context.Context) error {
	show := func(when string, st interface {
		Name() string
		Location() string
	}) {
		fmt.Printf("%-24s %-9s %s\n", when, st.Name(), st.Location())
	}
	show("first call", ReportTask.State(ctx, "EU", false))
	show("again, verbose", ReportTask.State(ctx, "eu", true))
	time.Sleep(2100 * time.Millisecond)
	show("after expiration", ReportTask.State(ctx, "EU", false))
	show("refresh_cache", ReportTask.WithOptions(runtime.RefreshCache(true)).State(ctx, "EU", false))
	fmt.Printf("Report ran %d times\n", computed)
	return nil
}

func main() {
	err := WeeklyFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "caching:", err)
		os.Exit(1)
	}
}
