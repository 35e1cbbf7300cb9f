// Package firstgenapp calls the wrappers of package firstgen before its
// first generation, passing the missing values on: nothing is reported,
// and no file is written here.
package firstgenapp

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

// Run calls, submits and waits.
func Run(ctx context.Context) (int, int) {
	x := must(firstgen.CountTask.Call(ctx, 1))
	f := firstgen.CountTask.Submit(ctx, 3)
	return x, must(f.Result())
}
