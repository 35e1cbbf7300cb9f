// Package stale: its directive changed (cache_expiration, from 1h in
// before/stale) since its result_gen.go was generated.
package stale

import "strings"

// Shout is a task.
//
//result:task cache_expiration=2h
func Shout(s string) string { return strings.ToUpper(s) }
