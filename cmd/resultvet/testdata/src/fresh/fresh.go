// Package fresh has the result_gen.go resultgen generates from it (the
// test generates it): resultvet reports nothing.
package fresh

import "strings"

// Shout is a task.
//
//result:task cache_expiration=1h
func Shout(s string) string { return strings.ToUpper(s) }
