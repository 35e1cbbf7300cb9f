// Package errdirectives has directive syntax errors: the annotations package
// reports them and the generator passes them on.
package errdirectives

// Bad has an unknown key and a bad value.
//
//result:task persit retries=many
func Bad() {}

// Both is a task and a flow.
//
//result:task flow
func Both() {}

//result:task
var notAFunc = 1
