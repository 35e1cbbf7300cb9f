package sweep

import (
	"strings"
	"testing"
)

// recorder is a testing.TB that records what Skip does to it.
type recorder struct {
	testing.TB
	name            string
	failed, skipped string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Name() string              { return r.name }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = f }
func (r *recorder) Skip(a ...any)             { r.skipped = "skipped" }

// TestSkip: a test not named TestSweep... fails (make test would never run
// it without -race); a sweep skips exactly when built with -race.
func TestSkip(t *testing.T) {
	r := &recorder{name: "TestWalkStd"}
	Skip(r)
	if !strings.Contains(r.failed, "does not start with TestSweep") {
		t.Errorf("misnamed sweep: failed %q, want the name rule", r.failed)
	}
	r = &recorder{name: "TestSweepStd"}
	Skip(r)
	if r.failed != "" || (r.skipped != "") != race {
		t.Errorf("sweep with race=%v: failed %q, skipped %q", race, r.failed, r.skipped)
	}
}
