// Package stale as its result_gen.go was generated: then its directive
// changed (src/stale).
package stale

import "strings"

// Shout is a task.
//
//result:task cache_expiration=1h
func Shout(s string) string { return strings.ToUpper(s) }
