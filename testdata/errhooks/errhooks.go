// Package errhooks has on_commit and on_rollback mistakes.
package errhooks

import "context"

var notAFunc = 3

func wrongValue(ctx context.Context, v string) error { return nil }

func wrongResult(v int) int { return v }

func tooMany(v int, w int) {}

func takesValue(v int) {}

// Missing names a function that does not exist.
//
//result:task on_commit=undo
func Missing(id int) int { return id }

// NotFunc names a variable.
//
//result:task on_rollback=notAFunc
func NotFunc(id int) int { return id }

// WrongValue's hook takes another type than the task returns.
//
//result:task on_rollback=wrongValue
func WrongValue(ctx context.Context, id int) (int, error) { return id, nil }

// WrongResult's hook returns an int.
//
//result:task on_commit=wrongResult
func WrongResult(id int) int { return id }

// TooMany's hook takes two values.
//
//result:task on_commit=tooMany
func TooMany(id int) int { return id }

// NoValue returns nothing, so its hook takes no value.
//
//result:task on_rollback=takesValue
func NoValue(id int) error { return nil }

// OnFlow: hooks are for tasks.
//
//result:flow on_commit=takesValue
func OnFlow() int { return 1 }

// BadName is not an identifier.
//
//result:task on_commit="send mail"
func BadName(id int) int { return id }
