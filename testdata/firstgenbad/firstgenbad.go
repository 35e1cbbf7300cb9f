// Package firstgenbad calls the wrappers of package firstgen before its
// first generation, next to a real type error: that error is reported,
// once, and no other.
package firstgenbad

import (
	"context"

	"github.com/resultgen/resultgen/testdata/firstgen"
)

func must(v int, err error) int {
	if err != nil {
		panic(err)
	}
	return v
}

// Run calls and submits.
func Run(ctx context.Context) (int, int) {
	x := must(firstgen.CountTask.Call(ctx, 1))
	f := firstgen.CountTask.Submit(ctx, 3)
	return x, must(f.Result())
}

func broken() int { return "not an int" }
