// Package findings has one example of every resultvet finding.
package findings

import (
	"context"
	crand "crypto/rand"
	"math/rand"
	"os"
	"time"
	"unsafe"
)

// persist=false with settings that need persisted results: three errors.
//
// want +2 `cache_policy=inputs needs persisted results, but persist=false` `cache_key_fn=offKey needs persisted results` `storage_key "off/\{parameters\[id\]\}" names a stored result`
//
//result:task persist=false cache_policy=inputs cache_key_fn=offKey storage_key=off/{parameters[id]}
func Off(id string) int { return len(id) }

func offKey(id string) string { return id }

// Results the serializer cannot encode.

type withChan struct {
	C chan int
}

// want +2 `json cannot encode withChan.C: it is a channel`
//
//result:task serializer=json
func Chan() withChan { return withChan{} }

// want +2 `json cannot encode the result: it is a complex number`
//
//result:task serializer=json
func Complex() complex128 { return 1i }

type point struct{ X, Y int }

// want +2 `json cannot encode the result: its map key type point is not a string`
//
//result:task serializer=json
func StructKeys() map[point]string { return nil }

// want +2 `msgpack cannot encode the result\[i\]: it is a func`
//
//result:task serializer=msgpack
func Funcs() []func() { return nil }

// want +2 `gob cannot encode the result: it is an unsafe.Pointer`
//
//result:task serializer=gob
func Pointer() unsafe.Pointer { return nil }

// msgpack cannot encode complex numbers either; gob can.
//
// want +2 `msgpack cannot encode the result: it is a complex number`
//
//result:task persist
func DefaultComplex() complex64 { return 0 }

// Fields dropped or not decodable.

type Report struct {
	Title string
	count int
	Extra any
	Skip  int `json:"-"`
}

// want +2 `json silently drops Report.count: the field is unexported` `json cannot decode Report.Extra: it is an interface`
//
//result:task serializer=compressed/json
func MakeReport() (*Report, error) { return &Report{}, nil }

// Marshaled is fine: it encodes itself.
type Marshaled struct{ secret int }

func (Marshaled) MarshalJSON() ([]byte, error) { return []byte("{}"), nil }

//result:task serializer=json
func Custom() Marshaled { return Marshaled{} }

type gobbed struct {
	Name string
	F    func()
}

// want +2 `gob silently drops gobbed.F: it is a func`
//
//result:task serializer=gob
func Gobbed() gobbed { return gobbed{} }

// Storage keys.

// want +2 `storage_key "reports/latest" uses none of the parameters \(year, region\)`
//
//result:task storage_key=reports/latest
func Latest(ctx context.Context, year int, region string) string { return "" }

// want +2 `storage_key "reports/\{parameters\[year\]\}" omits region: calls that differ only there collide`
//
//result:task storage_key=reports/{parameters[year]}
func ByYear(year int, region string) string { return "" }

// want +2 `storage_key uses \{parameters\[apiKey\]\}: "apiKey" looks secret`
//
//result:task storage_key=users/{parameters[user]}/{parameters[apiKey]}
func Fetch(user, apiKey string) string { return "" }

// want +2 `storage_key uses \{parameters\[cfg\].DBPassword\}: "DBPassword" looks secret`
//
//result:task storage_key=db/{parameters[cfg].Host}/{parameters[cfg].DBPassword}
func Connect(cfg Config) string { return "" }

type Config struct{ Host, DBPassword string }

// Flows with retries and tasks that do not persist.

//result:task persist=false
func Step() string { return "" }

//result:task persist=false
func Void() {}

//result:flow retries=2
func Pipeline(ctx context.Context) error {
	Step() // want `task Step: persist=false, but flow Pipeline has retries=2`
	Void()
	return nil
}

// Expirations that need persistence or do nothing, values that cannot be
// read.

// want +2 `cache_expiration=1h0m0s needs persisted results, but persist=false: nothing is cached to expire`
//
//result:task persist=false cache_expiration=1h
func Expiring() int { return 0 }

// want +2 `cache_expiration=1h0m0s has no effect: cache_policy=none`
//
//result:task cache_policy=none cache_expiration=1h
func NoneExpiring() int { return 0 }

// want +2 `persist=false and cache_in_memory=false: the value can never be read`
//
//result:task persist=false cache_in_memory=false
func Lost() int { return 0 }

// Nondeterminism in cached tasks.

//result:task cache_policy=inputs
func Stamp(name string) string {
	return name + time.Now().String() // want `task Stamp is cached by the cache key, but reads the clock \(time.Now\)`
}

//result:task storage_key=rolls/{parameters[n]}
func Roll(n int) int {
	return rand.Intn(n) // want `reads randomness \(rand.Intn\)`
}

//result:task cache_key_fn=envKey
func Env(name string) string {
	v, _ := os.LookupEnv(name) // want `task Env is cached by cache_key_fn, but reads the environment \(os.LookupEnv\)`
	return v
}

func envKey(name string) string { return name }

//result:task cache_policy=inputs
func Token(n int) []byte {
	return nonce(n) // want `calls nonce, which reads randomness \(rand.Read\)`
}

func nonce(n int) []byte {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return b
}

// Not cached: reading the clock is fine.
//
//result:task
func Now() string { return time.Now().String() }

// A directive that does not parse.
//
// want +2 `unknown key "persit"`
//
//result:task persit=true
func Typo() int { return 0 }

// Two tasks write one storage key with different result types: the second
// to run would fail with ErrKeyConflict.

type user struct{ Name string }

type order struct {
	ID    int
	Total float64
}

//result:task storage_key=report
func Users() user { return user{} }

// want +2 `task Orders: storage_key "report" is also the key of task Users \(findings.go:\d+:\d+\), which returns .*user, but Orders returns .*order`
//
//result:task storage_key=report
func Orders() order { return order{} }

// The same result type under one key is fine: the key names one result.
//
//result:task storage_key=report
func MoreUsers() user { return user{} }

//result:task storage_key=num
func Ratio() float64 { return 0.5 }

// want +2 `task Count: storage_key "num" is also the key of task Ratio \(findings.go:\d+:\d+\), which returns float64, but Count returns int`
//
//result:task storage_key=num
func Count() int { return 3 }

// want +2 `task Both: storage_key and cache_key_fn are both set: storage_key names the record, so cache_key_fn=bothKey is never called`
//
//result:task storage_key=both cache_key_fn=bothKey
func Both() int { return 1 }

func bothKey() string { return "k" }
