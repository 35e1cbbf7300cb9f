// Package errcachekey has cache_key_fn mistakes.
package errcachekey

import "context"

var notAFunc = 3

func wrongParams(ctx context.Context, id string) string { return id }

func wrongResult(id int) (int, error) { return id, nil }

// Missing names a function that does not exist.
//
//result:task cache_key_fn=keyForMissing
func Missing(id int) int { return id }

// NotFunc names a variable.
//
//result:task cache_key_fn=notAFunc
func NotFunc(id int) int { return id }

// WrongParams takes the wrong parameter types.
//
//result:task cache_key_fn=wrongParams
func WrongParams(ctx context.Context, id int) (int, error) { return id, nil }

// WrongResult returns the wrong type.
//
//result:task cache_key_fn=wrongResult
func WrongResult(id int) int { return id }
