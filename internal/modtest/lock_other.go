//go:build !unix

package modtest

// lock: without flock, no folder is shared from one run to the next.
func lock(string) (unlock func(), ok bool) { return nil, false }
