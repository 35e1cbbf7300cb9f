// Package obsolete as its result_gen.go was generated: then its directive
// was removed (src/obsolete).
package obsolete

import "strings"

// Shout is a task.
//
//result:task
func Shout(s string) string { return strings.ToUpper(s) }
