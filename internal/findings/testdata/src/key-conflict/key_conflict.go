// Package keyconflict has tasks that write one storage key with different
// result types (check key-conflict).
package keyconflict

type user struct{ Name string }

type order struct {
	ID    int
	Total float64
}

//result:task storage_key=report
func Users() user { return user{} }

// want +2 `task Orders: storage_key "report" is also the key of task Users \(key_conflict.go:12:15\), which returns .*user, but Orders returns .*order: the second one to run fails with ErrKeyConflict`
//
//result:task storage_key=report
func Orders() order { return order{} }

// Not findings: the same result type under one key; one key on two
// storages; a task that does not persist.
//
//result:task storage_key=report
func MoreUsers() user { return user{} }

//result:task storage_key=report storage=memory
func Elsewhere() int { return 1 }

//result:task storage_key=num
func Ratio() float64 { return 0.5 }

// want +2 `task Count: storage_key "num" is also the key of task Ratio \(key_conflict.go:\d+:\d+\), which returns float64, but Count returns int`
//
//result:task storage_key=num
func Count() int { return 3 }
