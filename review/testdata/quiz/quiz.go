// Package quiz mirrors the results quiz of the seeds: where will this
// task's result be stored, and when? resultgen review answers it without
// running anything (see want.table, want.json, want.md).
package quiz

import (
	"context"
	"fmt"
)

// Say returns a greeting and sets nothing.
//
//result:task
func Say() string { return "Hi!" }

// SayUnpersisted disables persistence, which always wins.
//
//result:task persist=false retries=3
func SayUnpersisted() string { return "Hi!" }

// Print returns nothing: there is no value to persist.
//
//result:task
func Print(msg string) { fmt.Println(msg) }

// Persisting is Q1 and Q2: a flow that persists to the s3/prod block.
//
//result:flow persist=true storage=s3/prod
func Persisting(ctx context.Context) error {
	if _, err := SayTask.Call(ctx); err != nil { // Q1
		return err
	}
	_, err := SayUnpersistedTask.WithOptions().Call(ctx) // Q2
	return err
}

// Retrying is Q3: retries and nothing else.
//
//result:flow retries=2
func Retrying(ctx context.Context) (string, error) {
	_ = SayTask.Submit(ctx)             // returns a value: persisted for the retries
	_, _ = SayUnpersistedTask.Call(ctx) // persist=false even here
	Print("hello")                      // returns nothing: not persisted
	return "done", nil
}
