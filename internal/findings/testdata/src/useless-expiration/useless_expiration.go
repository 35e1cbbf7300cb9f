// Package uselessexpiration has cache_expiration where nothing is cached
// (check useless-expiration).
package uselessexpiration

// want +2 `task NoneExpiring: cache_expiration=1h0m0s has no effect: cache_policy=none and no storage_key, so nothing is looked up`
//
//result:task cache_policy=none cache_expiration=1h
func NoneExpiring() int { return 0 }

// Not findings: a storage key or a cache policy is looked up (and
// persist=false, an error of check persist-off).
//
//result:task cache_policy=none storage_key=k cache_expiration=1h
func Keyed() int { return 0 }

//result:task cache_policy=inputs cache_expiration=1h
func Cached(n int) int { return n }
