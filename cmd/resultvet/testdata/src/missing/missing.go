// Package missing has a directive and no result_gen.go: nothing refers to
// the generated names yet, so it builds.
package missing // want `^result_gen.go is missing: the package has //result: directives; run go generate \(or resultgen ./missing\)$`

import "strings"

// Shout is a task.
//
//result:task
func Shout(s string) string { return strings.ToUpper(s) }
