//go:build !unix

package main

import "time"

// syncAll is sync(2) where there is one; elsewhere P4's writes run without it.
func syncAll() {}

// cpuTime is 0 where there is no getrusage: P4's CPU times read 0.
func cpuTime() time.Duration { return 0 }
