// Package errfindings has review's errors, which fail go generate (the
// package gets no file), and a comment that looks like a directive.
package errfindings

//result:task serializer=json
func F() chan int { return nil }

//result:task persist=false cache_policy=inputs
func G(x int) int { return x }

// result:task
func H() int { return 1 }

// Every setting that needs persisted results is an error with persist=false.
//
//result:task persist=false refresh_cache=true cache_expiration=1h storage=memory
func I(x int) int { return x }
