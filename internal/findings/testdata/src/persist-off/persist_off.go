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

// Every other setting that needs persisted results is an error with it.
//
// want +3 `task Everything: cache_expiration=1h0m0s needs persisted results, but persist=false: nothing is cached to expire` `task Everything: refresh_cache=true needs persisted results, but persist=false: there is no stored result to recompute` `task Everything: storage=memory needs persisted results, but persist=false: nothing is ever written to it`
// want +3 `task Everything: serializer=compressed/json needs persisted results, but persist=false: nothing is ever serialized` `task Everything: compression=gzip needs persisted results` `task Everything: isolation=serializable needs persisted results, but persist=false: there is no stored key to compute once`
//
//result:task persist=false cache_expiration=1h refresh_cache=true storage=memory
//result:serializer=compressed/json compression=gzip isolation=serializable
func Everything(n int) int { return n }

// Not findings: persist=false alone, cache_policy=none with it, and a
// cache policy on a task that persists.
//
//result:task persist=false
func Plain(n int) int { return n }

//result:task persist=false cache_policy=none
func NoneOff(n int) int { return n }

// Settings that do not need persistence: a task's own retries,
// refresh_cache=false, isolation=read_committed.
//
//result:task persist=false retries=2 retry_delay=1s refresh_cache=false isolation=read_committed
func RetryingOff(n int) int { return n }

//result:task persist=true cache_policy=inputs
func Persisted(n int) int { return n }
