// Package runscoped has tasks that persist under the default cache policy,
// whose run_id part gives every flow run a new key (review says "reused
// only within one flow run"), and tasks that do not.
package runscoped

// Packed is persisted by its serializer alone, keyed by the default policy.
//
//result:task serializer=compressed/json
func Packed(n int) int { return n }

// Dropped is persisted by cache_in_memory=false alone, keyed by the default
// policy.
//
//result:task cache_in_memory=false
func Dropped(n int) int { return n }

// Kept names its policy without run_id: reused across runs.
//
//result:task serializer=compressed/json cache_policy=inputs+task_source
func Kept(n int) int { return n }

// Named is keyed by its storage key, not the policy.
//
//result:task storage_key=named/{parameters[n]}.json
func Named(n int) int { return n }

// Plain is not persisted.
//
//result:task
func Plain(n int) int { return n }
