package review_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/resultgen/resultgen/review"
)

func TestAnalyzer(t *testing.T) {
	for _, pkg := range []string{"findings", "clean"} {
		t.Run(pkg, func(t *testing.T) {
			analysistest.Run(t, analysistest.TestData(), review.Analyzer, pkg)
		})
	}
}
