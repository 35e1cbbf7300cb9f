// Package nondeterministic has cached tasks that read the clock,
// randomness or the environment (check nondeterministic). It reads
// randomness through math/rand only, to keep the analysistest load small;
// review's testdata/src/findings reads crypto/rand.
package nondeterministic

import (
	"math/rand"
	"os"
	"time"
)

//result:task cache_policy=inputs
func Stamp(name string) string {
	return name + time.Now().String() // want `task Stamp is cached by the cache key, but reads the clock \(time.Now\): a cached result keeps the first value`
}

//result:task storage_key=rolls/{parameters[n]}
func Roll(n int) int {
	return rand.Intn(n) // want `task Roll is cached by the storage key, but reads randomness \(rand.Intn\)`
}

//result:task cache_key_fn=envKey
func Env(name string) string {
	v, _ := os.LookupEnv(name) // want `task Env is cached by cache_key_fn, but reads the environment \(os.LookupEnv\)`
	return v
}

func envKey(name string) string { return name }

//result:task cache_policy=inputs
func Token(n int) []byte {
	return nonce(n) // want `task Token is cached by the cache key, but calls nonce, which reads randomness \(rand.Read\)`
}

func nonce(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Not findings: a task that is not cached, or does not persist.
//
//result:task
func Now() string { return time.Now().String() }

//result:task persist=false
func Clock() string { return time.Now().String() }
