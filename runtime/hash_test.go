package runtime_test

import (
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

// digest hashes values the way a generated Inputs func does and returns the
// cache key of a task with the "inputs" policy, so tests compare what users
// get: equal inputs share a key.
func digest(t *testing.T, values ...any) (string, error) {
	t.Helper()
	ctx, _, _ := newEngine(t, nil)
	def := &runtime.Def{Kind: runtime.KindTask, Name: "h", Func: "example.com/app.H", GoType: "int", Value: true,
		Config: runtime.Config{CachePolicy: "inputs", Persist: ptr(true), Storage: "memory"}}
	st := runtime.Run(ctx, runtime.Invocation[int]{
		Def: def,
		Inputs: func(h *runtime.Hasher) error {
			for i, v := range values {
				if h.Param(string(rune('a' + i))) {
					if err := h.Value(v); err != nil {
						return err
					}
				}
			}
			return nil
		},
		Body: func(context.Context) (int, error) { return 0, nil },
	})
	return st.Key(), st.Err()
}

type inner struct {
	N    int
	tags map[string][]int
}

type node struct {
	Name string
	Next *node
}

type withFunc struct {
	Name string
	Hook func()
}

type withTime struct {
	At time.Time
	at time.Time
}

func mustDigest(t *testing.T, values ...any) string {
	t.Helper()
	k, err := digest(t, values...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestHasherDeterministic(t *testing.T) {
	m1, m2 := map[string]int{}, map[string]int{}
	for i, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		m1[k] = i
	}
	for i, k := range []string{"h", "g", "f", "e", "d", "c", "b", "a"} {
		m2[k] = 7 - i
	}
	cyc1 := &node{Name: "x"}
	cyc1.Next = cyc1
	cyc2 := &node{Name: "x"}
	cyc2.Next = cyc2
	now := time.Now()
	tests := []struct {
		name string
		a, b []any
		same bool
	}{
		{"map order", []any{m1}, []any{m2}, true},
		{"pointers followed", []any{&inner{N: 1, tags: map[string][]int{"x": {1}}}}, []any{&inner{N: 1, tags: map[string][]int{"x": {1}}}}, true},
		{"unexported fields count", []any{inner{tags: map[string][]int{"x": {1}}}}, []any{inner{tags: map[string][]int{"x": {2}}}}, false},
		{"cycles end", []any{cyc1}, []any{cyc2}, true},
		{"length prefixes", []any{"ab", "c"}, []any{"a", "bc"}, false},
		{"types differ", []any{int64(1)}, []any{uint64(1)}, false},
		{"nil vs empty slice", []any{[]int(nil)}, []any{[]int{}}, true},
		{"monotonic clock ignored", []any{withTime{At: now, at: now}}, []any{withTime{At: now.Round(0), at: now.Round(0)}}, true},
		{"instants differ", []any{withTime{at: now}}, []any{withTime{at: now.Add(1)}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustDigest(t, tt.a...), mustDigest(t, tt.b...)
			if (a == b) != tt.same {
				t.Errorf("keys %s and %s: same=%v, want %v", a, b, a == b, tt.same)
			}
		})
	}
}

func TestHasherRefusesUnhashable(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{withFunc{Name: "x"}, "a.Hook: func values cannot be hashed"},
		{map[string]chan int{"q": nil}, `a["q"]: chan values cannot be hashed`},
		{[]any{1, func() {}}, "a[1]: func values cannot be hashed"},
	}
	for _, tt := range tests {
		_, err := digest(t, tt.v)
		if !errors.Is(err, runtime.ErrUnhashable) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%T: error %v, want %q", tt.v, err, tt.want)
		}
	}
	var h runtime.Hasher
	if err := h.Unhashable("cfg", "func()"); !errors.Is(err, runtime.ErrUnhashable) || !strings.Contains(err.Error(), "cfg") {
		t.Errorf("Unhashable: %v", err)
	}
}

type guarded struct {
	//lint:ignore U1000 the hasher finds it through reflect: what the test is about
	mu    sync.Mutex
	Count int
}

// Inputs that are not values are refused, with the parameter and the fix,
// rather than hashed by their state: two unlocked mutexes would share a
// key and a locked one get another (the seeds' engine refuses to hash a
// lock). The run fails, with no key and no record.
func TestHasherRefusesNonValues(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var locked sync.Mutex
	locked.Lock()
	tests := []struct {
		v    any
		want string
	}{
		{new(sync.Mutex), "a: sync.Mutex (a lock or synchronization state) values cannot be hashed"},
		{&locked, "a: sync.Mutex"},
		{new(sync.WaitGroup), "a: sync.WaitGroup"},
		{&sync.Once{}, "a: sync.Once"},
		{sync.NewCond(&locked), "a: sync.Cond"},
		{&guarded{Count: 1}, "a.mu: sync.Mutex"},
		{map[string]*guarded{"x": {}}, `a["x"].mu: sync.Mutex`},
		{f, "a: os.File"},
		{c1, "a: net.pipe"},
		{ctx, "a: context"},
		{reflect.ValueOf(1), "a: reflect.Value"},
	}
	for _, tt := range tests {
		key, err := digest(t, tt.v)
		if !errors.Is(err, runtime.ErrUnhashable) || !strings.Contains(err.Error(), tt.want) ||
			!strings.Contains(err.Error(), "cache_policy inputs-a, or set a cache_key_fn") {
			t.Errorf("%T: error %v, want %q and the fix", tt.v, err, tt.want)
		}
		if key != "" {
			t.Errorf("%T: key %q, want none", tt.v, key)
		}
	}
	// values from the same packages are values
	ip, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:80")
	for _, v := range []any{ip, net.IPv4(1, 2, 3, 4), os.FileMode(0o644)} {
		if _, err := digest(t, v); err != nil {
			t.Errorf("%T: %v, want it hashed", v, err)
		}
	}
}
