package reliability

import (
	"context"
	"testing"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

// cleanTemp removes the stale files of st as `resultgen results prune
// -tmp` does, right away: nothing is back-dated, so a temporary file is
// removed only when its writer is provably gone (its pid and BootID in
// its name; the writers here were killed, and reaped), and a lock file
// only when idle.
func cleanTemp(t *testing.T, st *storage.Local) {
	t.Helper()
	for p, err := range results.PruneTemps(context.Background(), st, results.PruneOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Err != nil {
			t.Errorf("prune %s: %v", p.Key, p.Err)
		}
	}
}

// rowReport adds, when the test ends, one row of the report (see row): its
// name, the figures figs gives then, and the checks the test passed and
// failed (the tests of this package run one at a time).
func rowReport(t *testing.T, name string, figs func() string) {
	p0, f0 := figures.passed.Load(), figures.failed.Load()
	t.Cleanup(func() {
		row("%s: %s passed=%d failed=%d", name, figs(), figures.passed.Load()-p0, figures.failed.Load()-f0)
	})
}
