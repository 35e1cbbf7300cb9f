// Package obsolete has no directive left, and a result_gen.go generated when
// it had one: the file still builds (it wraps Shout) but is obsolete.
package obsolete

import "strings"

// Shout was a task.
func Shout(s string) string { return strings.ToUpper(s) }
