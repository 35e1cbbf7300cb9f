// Package stale has a broken result_gen.go from an older version.
package stale

import "context"

// Add adds.
//
//result:task
func Add(ctx context.Context, a, b int) (int, error) { return a + b, nil }

// Twice uses the wrapper.
func Twice(ctx context.Context, a int) (int, error) { return AddTask.Call(ctx, a, a) }
