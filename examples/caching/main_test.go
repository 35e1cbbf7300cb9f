package main

import (
	"testing"
	"time"

	"github.com/resultgen/resultgen/resulttest"
	"github.com/resultgen/resultgen/runtime"
)

// What the program shows, checked without sleeping: the harness's clock
// stands still until the test moves it past the expiration.
func TestReportCacheAndExpiration(t *testing.T) {
	h := resulttest.New(t)
	report := resulttest.Watch(h, ReportTask)
	h.Freeze(time.Time{})
	ctx := h.Context()

	if _, err := ReportTask.Call(ctx, "EU", false); err != nil {
		t.Fatal(err)
	}
	report.AssertMiss("no record at the key")

	// ReportKey keys the cache by region alone, in any case.
	if _, err := ReportTask.Call(ctx, "eu", true); err != nil {
		t.Fatal(err)
	}
	report.AssertHit()

	h.Advance(2100 * time.Millisecond) // past cache_expiration=2s
	if _, err := ReportTask.Call(ctx, "EU", false); err != nil {
		t.Fatal(err)
	}
	report.AssertMiss("the record expired")

	if _, err := ReportTask.WithOptions(runtime.RefreshCache(true)).Call(ctx, "EU", false); err != nil {
		t.Fatal(err)
	}
	report.AssertMiss("refresh requested")
	if n := report.Calls(); n != 3 {
		t.Errorf("Report ran %d times, want 3", n)
	}
}
