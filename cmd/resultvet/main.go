// Command resultvet reports //result: persistence settings that lose data,
// collide or leak, as a go/analysis checker (review.Analyzer): the same
// findings as resultgen review, for go vet and editors.
//
// Usage:
//
//	go install github.com/resultgen/resultgen/cmd/resultvet
//	go vet -vettool=$(which resultvet) ./...
//	resultvet ./...            # standalone, same findings
//	resultvet -fix=false -json ./...
//
// It judges with the built-in default settings and follows calls from a
// flow to the tasks of its own package; resultgen review loads the settings
// in force and follows calls across the packages it loads.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/resultgen/resultgen/review"
)

func main() { singlechecker.Main(review.Analyzer) }
