// Package warnings has a review warning and no error: the file is
// written all the same (resultgen -strict fails on it).
package warnings

//result:task storage_key=k cache_key_fn=key
func F() int { return 1 }

func key() string { return "k" }
