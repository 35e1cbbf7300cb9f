package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/resulttest"
)

// The flow's records are named by region, the day the run started (the
// harness's clock, frozen late on March 1st west of Greenwich: March 2nd
// in UTC, as keys are) and each line's place in the Map.
func TestIngestKeysPartsByRegionDayAndIndex(t *testing.T) {
	h := resulttest.New(t, resulttest.LocalStorage())
	count := resulttest.Watch(h, CountWordsTask)
	h.Freeze(time.Date(2026, 3, 1, 22, 0, 0, 0, time.FixedZone("UTC-3", -3*3600)))
	ctx := h.Context()
	lines := []string{"one", "two words", "three words here"}

	total, err := IngestFlow.Call(ctx, "eu-west", lines)
	if err != nil || total != 6 {
		t.Fatalf("Ingest = %d, %v; want 6", total, err)
	}
	var got []string
	err = filepath.WalkDir(h.Dir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir // the store's own: .index, .locks
		}
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(h.Dir(), p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eu-west/2026-03-02/part-0.json", "eu-west/2026-03-02/part-1.json", "eu-west/2026-03-02/part-2.json"}
	if !slices.Equal(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
	if n := count.Calls(); n != 3 {
		t.Fatalf("CountWords ran %d times, want 3", n)
	}

	// The same day: every part is loaded. The next day: counted again.
	if _, err := IngestFlow.Call(ctx, "eu-west", lines); err != nil {
		t.Fatal(err)
	}
	count.AssertHit()
	if n := count.Calls(); n != 3 {
		t.Errorf("CountWords ran %d times after a second run on one day, want 3", n)
	}
	h.Advance(24 * time.Hour)
	if _, err := IngestFlow.Call(ctx, "eu-west", lines); err != nil {
		t.Fatal(err)
	}
	if n := count.Calls(); n != 6 {
		t.Errorf("CountWords ran %d times after a run the next day, want 6", n)
	}
}

// Outside a flow the key has no region and no day: the run fails before
// counting, and says why.
func TestCountWordsNeedsAFlow(t *testing.T) {
	h := resulttest.New(t)
	count := resulttest.Watch(h, CountWordsTask)
	ctx := h.Context()
	if _, err := CountWordsTask.Call(ctx, "alone"); err == nil || !strings.Contains(err.Error(), "needs a flow run") {
		t.Errorf("CountWords called outside a flow: %v, want an error saying it needs a flow run", err)
	}
	if _, err := CountWordsTask.Map(ctx, []string{"alone"})[0].Result(); err == nil || !strings.Contains(err.Error(), "needs a flow run") {
		t.Errorf("CountWords mapped outside a flow: %v, want an error saying it needs a flow run", err)
	}
	if n := count.Calls(); n != 0 {
		t.Errorf("CountWords ran %d times", n)
	}
}
