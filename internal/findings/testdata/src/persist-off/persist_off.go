// Package persistoff has tasks with persist=false and settings that need
// persisted results (check persist-off).
package persistoff

// Three errors, each at its directive item.
//
// want +2 `task Off: cache_policy=inputs needs persisted results, but persist=false: the cache is never written` `task Off: cache_key_fn=offKey needs persisted results, but persist=false: the key is never used` `task Off: storage_key "off/\{parameters\[id\]\}" names a stored result, but persist=false: nothing is ever stored there`
//
//result:task persist=false cache_policy=inputs cache_key_fn=offKey storage_key=off/{parameters[id]}
func Off(id string) int { return len(id) }

func offKey(id string) string { return id }

// want +2 `task PolicyOnly: cache_policy=inputs\+task_source needs persisted results`
//
//result:task persist=false cache_policy=inputs+task_source
func PolicyOnly(n int) int { return n }

// Not findings: persist=false alone, cache_policy=none with it, and a
// cache policy on a task that persists.
//
//result:task persist=false
func Plain(n int) int { return n }

//result:task persist=false cache_policy=none
func NoneOff(n int) int { return n }

//result:task persist=true cache_policy=inputs
func Persisted(n int) int { return n }
