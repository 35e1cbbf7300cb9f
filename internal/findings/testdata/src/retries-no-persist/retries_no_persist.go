// Package retriesnopersist has tasks with persist=false called from a flow
// with retries (check retries-no-persist).
package retriesnopersist

import "context"

//result:task persist=false
func Step() string { return "" }

//result:task persist=false
func Void() {}

//result:task persist=true
func Kept() string { return "" }

//result:flow retries=2
func Pipeline(ctx context.Context) error {
	Step() // want `task Step: persist=false, but flow Pipeline has retries=2: each retry of the flow recomputes the task`
	Void()
	Kept()
	return nil
}

// Not a finding: a flow without retries.
//
//result:flow
func Once(ctx context.Context) error {
	Step()
	return nil
}
