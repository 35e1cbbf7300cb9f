// Package stalecode: a helper its task calls changed (ToUpper, in
// before/stalecode, became ToLower) since its result_gen.go was generated,
// so the task's code version did.
package stalecode

import "strings"

// Shout is a task.
//
//result:task
func Shout(s string) string { return normalize(s) + "!" }

func normalize(s string) string { return strings.ToLower(s) }
