// Package neverreadable has values kept nowhere (check never-readable).
package neverreadable

// want +2 `task Lost: persist=false and cache_in_memory=false: the value can never be read \(no Call method is generated\)`
//
//result:task persist=false cache_in_memory=false
func Lost() int { return 0 }

// Not findings: either one alone.
//
//result:task persist=false
func InMemory() int { return 0 }

//result:task cache_in_memory=false
func Stored(n int) int { return n }
