package review_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/review"
)

// TestSweepAnalyzer runs resultvet's analyzer over testdata/src/findings (one
// example of every finding, each with its // want) and testdata/src/clean
// (none), in one load: the loads, which type-check the standard library
// packages they import from source, are the cost: a sweep (see
// internal/sweep), which -race slowed fivefold.
func TestSweepAnalyzer(t *testing.T) {
	sweep.Skip(t)
	analysistest.Run(t, analysistest.TestData(), review.Analyzer, "findings", "clean")
}
