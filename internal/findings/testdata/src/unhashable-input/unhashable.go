// Package unhashable has task parameters that are not values, under cache
// policies that hash them (check unhashable-input).
package unhashable

import (
	"context"
	"net"
	"os"
	"reflect"
	"sync"
)

type guarded struct {
	mu    sync.Mutex
	Count int
}

type pool struct{ Conns map[string]net.Conn }

type job struct{ Ctx context.Context }

// want +3 `task Locks: parameter mu of type \*sync.Mutex cannot be hashed for the inputs cache policy: mu is a lock or synchronization value \(sync.Mutex\)` `parameter wg of type \*sync.WaitGroup` `parameter g of type guarded cannot be hashed for the inputs cache policy: g.mu is a lock`
//
//result:task
func Locks(mu *sync.Mutex, wg *sync.WaitGroup, g guarded, n int) int { return n }

// want +3 `parameter f of type \*os.File cannot be hashed for the inputs cache policy: f is an open file` `parameter c of type net.Conn` `parameter p of type pool cannot be hashed for the inputs cache policy: p.Conns\[value\] is a network connection` `parameter j of type job cannot be hashed for the inputs cache policy: j.Ctx is a context` `parameter v of type reflect.Value` `parameter fn of type func\(\) cannot be hashed for the inputs cache policy: fn is a func` `parameter ch of type chan int`
//
//result:task cache_policy=inputs+task_source
func Resources(ctx context.Context, f *os.File, c net.Conn, p pool, j job, v reflect.Value, fn func(), ch chan int) int {
	return 0
}

// Not findings: the parameter left out, a cache_key_fn, a storage_key, a
// policy without inputs, persist=false, values from the same packages
// (net.IP, *net.TCPAddr, os.FileMode), and a flow.
//
//result:task cache_policy=inputs-mu+task_source
func LeftOut(mu *sync.Mutex, n int) int { return n }

//result:task cache_key_fn=byN
func KeyFn(mu *sync.Mutex, n int) int { return n }

func byN(mu *sync.Mutex, n int) string { return "n" }

//result:task storage_key=n-{parameters[n]}.json
func Keyed(mu *sync.Mutex, n int) int { return n }

//result:task cache_policy=task_source
func NoInputs(mu *sync.Mutex) int { return 0 }

//result:task persist=false
func Off(mu *sync.Mutex) int { return 0 }

//result:task
func Values(ip net.IP, addr *net.TCPAddr, mode os.FileMode) int { return 0 }

//result:flow
func AFlow(ctx context.Context, mu *sync.Mutex) error { return nil }
