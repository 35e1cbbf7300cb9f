// Package keyfnignored has a cache_key_fn beside a storage_key, which
// names the record (check key-fn-ignored).
package keyfnignored

// want +2 `task Both: storage_key and cache_key_fn are both set: storage_key names the record, so cache_key_fn=bothKey is never called`
//
//result:task storage_key=both cache_key_fn=bothKey
func Both() int { return 1 }

func bothKey() string { return "k" }

// Not a finding: cache_key_fn alone.
//
//result:task cache_key_fn=bothKey
func KeyFnOnly() int { return 1 }
