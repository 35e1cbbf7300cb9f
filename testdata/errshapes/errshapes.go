// Package errshapes has functions that cannot be wrapped.
package errshapes

import "context"

// Generic is generic.
//
//result:task
func Generic[T any](v T) T { return v }

// TooMany returns three results.
//
//result:task
func TooMany() (int, int, error) { return 0, 0, nil }

// NotError returns a second result that is not an error.
//
//result:task
func NotError() (int, string) { return 0, "" }

// LateContext takes its context second.
//
//result:task
func LateContext(n int, ctx context.Context) int { return n }

type T struct{}

// Method is a method.
//
//result:task
func (T) Method() int { return 0 }
