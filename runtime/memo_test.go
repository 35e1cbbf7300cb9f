package runtime

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/settings"
)

// Every Config field takes part in deciding whether a remembered resolution
// still applies: a changed field resolves anew.
func TestSameConfigComparesEveryField(t *testing.T) {
	base := Config{}
	rt := reflect.TypeFor[Config]()
	for i := range rt.NumField() {
		f := rt.Field(i)
		c := base
		v := reflect.ValueOf(&c).Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int:
			v.SetInt(3)
		case reflect.Int64: // time.Duration
			v.Set(reflect.ValueOf(time.Second))
		case reflect.Pointer:
			v.Set(reflect.New(f.Type.Elem()))
		case reflect.Interface:
			continue // a value made in code: such configs are never remembered (memoizable)
		default:
			t.Fatalf("%s: a %s field sameConfig does not know", f.Name, f.Type)
		}
		if sameConfig(&base, &c) {
			t.Errorf("changing %s keeps the remembered resolution", f.Name)
		}
	}
	yes, no := true, false
	if !sameConfig(&Config{Persist: &no}, &Config{Persist: new(bool)}) {
		t.Error("two pointers to false compare different")
	}
	if sameConfig(&Config{Persist: &yes}, &Config{Persist: &no}) {
		t.Error("persist=true and persist=false compare equal")
	}
}

// A remembered persisted plan carries its opened store and serializer, and
// a run on a cancelled context opens nothing.
func TestResolveRemembersOpenedStore(t *testing.T) {
	dir := t.TempDir()
	e := NewEngine(settings.Settings{DefaultStorage: "local:" + dir})
	defer e.Close()
	def := &Def{Kind: KindTask, Name: "t", Value: true, Config: Config{Persist: new(bool)}}
	*def.Config.Persist = true

	ctx, cancel := context.WithCancel(WithEngine(context.Background(), e))
	cancel()
	inv := Invocation[int]{Def: def, Body: func(context.Context) (int, error) { return 1, nil }}
	if _, err := Call(ctx, inv); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call on a cancelled context: %v", err)
	}
	if err := Run(ctx, inv).Err(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run on a cancelled context: %v", err)
	}
	if n := len(e.opened); n != 0 {
		t.Fatalf("a cancelled run opened %d stores", n)
	}

	p, err := e.resolve(def, &def.Config, nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.store == nil || p.ser == nil {
		t.Fatalf("persisted plan: store %v, serializer %v", p.store, p.ser)
	}
	m := e.plans.hit(def, &def.Config, false, false)
	if m == nil || m.store != p.store || m.ser == nil {
		t.Fatalf("remembered plan %+v lacks the opened store and serializer", m)
	}
}
