// Package demo holds the tasks and flows resulttest's own tests run.
package demo

import (
	"context"
	"fmt"
	"strings"
)

//go:generate go run github.com/resultgen/resultgen/cmd/resultgen

// Hello greets name; its result is kept under a key users can read.
//
//result:task storage_key="hello-{parameters[name]}.json"
func Hello(name string) string { return "hello " + name }

// Greet greets three names.
//
//result:flow
func Greet(ctx context.Context) ([]string, error) {
	var out []string
	for _, name := range []string{"world", "foo", "bar"} {
		v, err := HelloTask.Call(ctx, name)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Quote is a price that is good for an hour.
//
//result:task cache_policy=inputs cache_expiration=1h
func Quote(symbol string) float64 { return float64(len(symbol)) * 1.5 }

// Fetch may fail; it is retried twice.
//
//result:task persist retries=2
func Fetch(ctx context.Context, url string) (string, error) {
	if strings.HasPrefix(url, "bad:") {
		return "", fmt.Errorf("fetch %s: refused", url)
	}
	return "body of " + url, nil
}

// Step is one step of Pipeline.
//
//result:task
func Step(ctx context.Context, order string, n int) (string, error) {
	return fmt.Sprintf("%s step %d", order, n), nil
}

// Pipeline runs three steps of an order.
//
//result:flow
func Pipeline(ctx context.Context, order string) ([]string, error) {
	var out []string
	for n := 1; n <= 3; n++ {
		v, err := StepTask.Call(ctx, order, n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
