// Package errtypes has a real type error next to calls of wrappers that do
// not exist yet: only the real one is reported.
package errtypes

import "context"

// Count counts.
//
//result:task
func Count(ctx context.Context, s string) (int, error) { return len(s), nil }

func use(ctx context.Context) (int, error) {
	n, err := CountTask.Call(ctx, "abc")
	var s string = 42
	_ = s
	return n, err
}

var _ = undefinedThing
