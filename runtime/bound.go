package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Errors of records that must not be served. Each is wrapped with a message
// naming the key, the store and both sides.
var (
	// ErrKeyConflict: the record at a task's storage key was written by
	// another task for another result type. Nothing is decoded and nothing
	// is overwritten; the two tasks need different keys.
	ErrKeyConflict = errors.New("storage key holds another task's result of another type")
	// ErrTypeMismatch: Reference[T] found a record of another result type.
	ErrTypeMismatch = errors.New("record holds another result type")
	// ErrForeignObject: the object at a key is not a resultgen record, or
	// none resultgen can prove it wrote (a user's own file, an empty or
	// zero-filled one, a record cut short before its header's CRC). A run
	// never overwrites or removes it.
	ErrForeignObject = errors.New("the object at the storage key is not a resultgen record")
)

// resultType is the fingerprint a record must carry to be read as a run's R.
type resultType struct {
	hash, desc, goType string
}

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }

// typeOf is the result type of def's runs: the generator's fingerprint, else
// the one computed from R (hand-written invocations, references).
func typeOf[R any](def *Def) resultType {
	if def != nil && def.TypeHash != "" {
		return resultType{hash: def.TypeHash, desc: def.TypeDesc, goType: def.GoType}
	}
	fp := typeid.Of[R]()
	t := resultType{hash: fp.Hash(), desc: fp.Canonical()}
	if def != nil {
		t.goType = def.GoType
	}
	if t.goType == "" {
		t.goType = reflect.TypeFor[R]().String()
	}
	return t
}

// stamp binds meta to the function and result type that write it.
func (t resultType) stamp(meta record.Meta, def *Def) record.Meta {
	meta.Func, meta.TypeHash, meta.TypeDesc = def.Func, t.hash, t.desc
	if meta.GoType == "" {
		meta.GoType = t.goType
	}
	return meta
}

// judge decides whether the committed record m at key may be served to a
// run of def (named task) that returns t:
//
//   - the same result type: served, whichever function wrote it (a storage
//     key names one result; sharing it between functions of one type is the
//     user's choice);
//   - the same function (or, for records older than fingerprints, the same
//     task name) with another type: the result type changed; stale, and the
//     returned reason says so;
//   - another function with another type: ErrKeyConflict.
func (t resultType) judge(m record.Meta, def *Def, task string, st storage.Storage, key string) (stale string, err error) {
	switch {
	case m.TypeHash == t.hash:
		return "", nil
	case m.TypeHash == "" && m.Task == task:
		return "the record has no result-type fingerprint (written by an older resultgen)", nil
	case m.TypeHash != "" && m.Func == def.Func && m.GoType == t.goType:
		why := fmt.Sprintf("result type changed: %s is defined differently than when the record was written", t.goType)
		if m.TypeDesc != "" && t.desc != "" {
			// the header was read (not object metadata): say how
			if d := record.CompareTypes(m.GoType, m.TypeDesc, t.goType, t.desc); len(d) > 0 && !strings.HasPrefix(d[0], "result type changed: was ") {
				for i := range d {
					d[i] = strings.TrimPrefix(d[i], "result type changed: ")
				}
				why += ": " + strings.Join(d, ", ")
			}
		}
		return why, nil
	case m.TypeHash != "" && m.Func == def.Func:
		return fmt.Sprintf("result type changed: the record holds %s, %s now returns %s", m.GoType, task, t.goType), nil
	}
	other := m.Task
	if m.Func != "" {
		other = m.Func
	}
	return "", fmt.Errorf("task %s: %w: key %q on %s holds a result of %s (type %s), but %s (%s) returns %s; "+
		"give one of them another storage_key, or remove the record with `resultgen results rm %s`",
		task, ErrKeyConflict, key, st, other, m.GoType, task, def.Func, t.goType, key)
}

// foreign is the error of a run that found an object at its key that
// resultgen cannot prove it wrote (see record.Classify): it is never
// overwritten nor removed, so the run fails and says how to free the key.
func foreign(task string, st storage.Storage, key string, err error) error {
	why := err.Error()
	if ce := (*record.CorruptError)(nil); errors.As(err, &ce) {
		why = ce.Detail
	}
	if errors.Is(err, record.ErrZeroFilled) {
		return fmt.Errorf("task %s: %w: %s (%s); resultgen cannot prove it wrote it, so it never overwrites or removes it, "+
			"and this run and every run of the key fail until it is gone: remove it with `resultgen results rm -force %s`, or move it away",
			task, ErrForeignObject, storage.Location(st, key), why, key)
	}
	return fmt.Errorf("task %s: %w: %s (%s); resultgen never overwrites what it cannot prove it wrote: move it away, choose another storage_key, "+
		"or remove it with `resultgen results rm -force %s`", task, ErrForeignObject, storage.Location(st, key), why, key)
}
