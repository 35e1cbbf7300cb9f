// Package errcollision declares names the generator needs.
package errcollision

// Fetch's wrapper name is taken.
//
//result:task
func Fetch() int { return 1 }

// FetchTask is the user's own type.
type FetchTask struct{}

// Store's definition variable name is taken.
//
//result:task
func Store() {}

var storeTaskDef = 1

// Fine is fine, but the package still gets no file.
//
//result:task
func Fine() {}
