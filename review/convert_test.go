package review

import (
	"reflect"
	"testing"

	"github.com/resultgen/resultgen/internal/findings"
	"github.com/resultgen/resultgen/internal/model"
)

// fill sets every field of the struct v points to a non-zero value.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int:
			f.SetInt(1)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Struct:
			fill(t, f)
		default:
			t.Fatalf("fill: field %s of kind %s", v.Type().Field(i).Name, f.Kind())
		}
	}
}

// zeroFields lists the fields of struct v that are zero.
func zeroFields(v reflect.Value) []string {
	var zero []string
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			zero = append(zero, v.Type().Field(i).Name)
		}
	}
	return zero
}

// TestConversionsCopyEveryField guards the copies between the engine's
// types and review's public ones: a field added on one side only fails.
func TestConversionsCopyEveryField(t *testing.T) {
	var r findings.Row
	fill(t, reflect.ValueOf(&r).Elem())
	r.CodeVersion = &model.CodeVersion{Hash: "h", Covers: []string{"c"}, Units: []string{"u"}}
	if z := zeroFields(reflect.ValueOf(rowOf(r))); len(z) > 0 {
		t.Errorf("rowOf leaves %v zero", z)
	}
	if got, want := reflect.TypeOf(Row{}).NumField(), reflect.TypeOf(r).NumField(); got != want {
		t.Errorf("Row has %d fields, findings.Row %d", got, want)
	}
	var f findings.Finding
	fill(t, reflect.ValueOf(&f).Elem())
	if z := zeroFields(reflect.ValueOf(findingOf(f))); len(z) > 0 {
		t.Errorf("findingOf leaves %v zero", z)
	}
	if got, want := reflect.TypeOf(Finding{}).NumField(), reflect.TypeOf(f).NumField()-1; got != want { // findings.Finding has At
		t.Errorf("Finding has %d fields, findings.Finding %d besides At", got, want)
	}
	for public, internal := range map[string]string{
		CheckDirective: findings.CheckDirective, CheckPersistOff: findings.CheckPersistOff,
		CheckUnencodable: findings.CheckUnencodable, CheckDroppedField: findings.CheckDroppedField,
		CheckUndecodable: findings.CheckUndecodable, CheckKeyParams: findings.CheckKeyParams,
		CheckKeyConflict: findings.CheckKeyConflict, CheckKeyFnIgnored: findings.CheckKeyFnIgnored,
		CheckSecretInKey: findings.CheckSecretInKey, CheckRetriesNoStore: findings.CheckRetriesNoStore,
		CheckUselessExpiry: findings.CheckUselessExpiry, CheckNeverReadable: findings.CheckNeverReadable,
		CheckNondeterminism: findings.CheckNondeterminism,
		string(Error):       string(findings.Error), string(Warning): string(findings.Warning),
	} {
		if public != internal {
			t.Errorf("review has %q where the engine has %q", public, internal)
		}
	}
}
