// Package stalecode as its result_gen.go was generated: then a helper of
// its task changed (src/stalecode).
package stalecode

import "strings"

// Shout is a task.
//
//result:task
func Shout(s string) string { return normalize(s) + "!" }

func normalize(s string) string { return strings.ToUpper(s) }
