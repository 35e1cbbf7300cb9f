package runtime

import (
	"reflect"
	"testing"
	"time"
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
			v.Set(reflect.ValueOf(new(bool)))
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
