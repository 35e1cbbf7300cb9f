// Command resultvet is resultgen's go/analysis checker, for go vet and
// editors. It runs two analyzers:
//
//   - resultvet (review.Analyzer): //result: persistence settings that lose
//     data, collide or leak, the same findings as resultgen review;
//   - generated (generator.Analyzer): a result_gen.go that is stale,
//     missing or obsolete, reported at the package clause, as resultgen
//     check reports it, so that CI running go vet catches code edited
//     without go generate.
//
// Usage:
//
//	go install github.com/resultgen/resultgen/cmd/resultvet
//	go vet -vettool=$(which resultvet) ./...
//	resultvet ./...            # standalone, same findings
//	resultvet -fix=false -json ./...
//	resultvet -generated=false ./...   # the findings only
//
// The findings are judged with the built-in default settings and follow
// calls from a flow to the tasks of its own package; resultgen review loads
// the settings in force and follows calls across the packages it loads.
// The generated-file check loads each package that has a directive or a
// result_gen.go once more (Check of package generator), with the default
// build configuration, as go generate does.
package main

import (
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/review"
)

func main() { multichecker.Main(review.Analyzer, generator.Analyzer) }
