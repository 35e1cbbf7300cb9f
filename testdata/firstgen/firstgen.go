// Package firstgen calls the wrapper of its own task before the first
// go generate, also through a generic must(v, err) helper: the type
// checker's errors that follow from the missing names alone are not
// reported (cases firstgenapp and firstgenbad call it from other
// packages).
package firstgen

import "context"

//result:task
func Count(n int) (int, error) { return n, nil }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Twice calls the wrapper through must.
func Twice(ctx context.Context) int { return must(CountTask.Call(ctx, 2)) * 2 }
