// Package shapes covers every function shape the generator accepts.
package shapes

import (
	"context"
	"errors"
	"time"
)

type Point struct{ X, Y int }

type Celsius float64

// Value returns a value without a context or an error.
//
//result:task
func Value(a, b int) int { return a + b }

// ValueErr takes a context and returns (R, error).
//
//result:task
func ValueErr(ctx context.Context, p Point) (Point, error) { return p, ctx.Err() }

// OnlyErr returns only an error.
//
//result:task
func OnlyErr(ctx context.Context, msg string) error { return errors.New(msg) }

// Nothing returns nothing and takes nothing.
//
//result:task
func Nothing() {}

// Pointer returns a pointer to a struct.
//
//result:task
func Pointer(ctx context.Context) (*Point, error) { return &Point{}, nil }

// Slice returns a slice of named values.
//
//result:task
func Slice(xs []Celsius) []Celsius { return xs }

// Map returns a map with a struct key.
//
//result:task
func Map(m map[Point]string, when time.Time) (map[Point][]byte, error) { return nil, nil }

// Named returns a named basic type.
//
//result:task
func Named(c Celsius, d time.Duration, raw []byte, ok bool, u uint8, z complex64) Celsius { return c }

// Anonymous returns an anonymous struct and takes unnamed parameters.
//
//result:task
func Anonymous(context.Context, string, int) (struct {
	A int `json:"a"`
}, error) {
	return struct {
		A int `json:"a"`
	}{}, nil
}

// Variadic spreads its last parameter.
//
//result:task
func Variadic(ctx context.Context, sep string, parts ...string) (string, error) { return sep, nil }

// lower is unexported, so is its wrapper.
//
//result:task
func lower(x any) any { return x }

// MyPipeline is a flow: its run name defaults to kebab case.
//
//result:flow
func MyPipeline(ctx context.Context, n int) (int, error) {
	v := ValueTaskType{} // the zero value of the type works too
	return v.Call(ctx, n, 1)
}

// HTTPServerFlow calls the other wrappers before they exist.
//
//result:flow
func HTTPServerFlow(ctx context.Context) error {
	_, _ = lowerTask.Call(ctx, 1)
	return NothingTask.Call(ctx)
}
