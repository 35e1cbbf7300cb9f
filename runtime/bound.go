package runtime

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
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
	// ErrKeyMissing: a record is encrypted under a key the keyring does
	// not hold (or there is no keyring). The run fails naming the key id;
	// the record is never replaced. Also matches record.ErrKeyMissing.
	ErrKeyMissing = record.ErrKeyMissing
	// ErrDecrypt: an encrypted record does not open with the key of its
	// id (a wrong key, a record moved or edited). The run fails; the
	// record is never replaced.
	ErrDecrypt = record.ErrDecrypt
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
	if t, ok := generatedType(def); ok {
		return t
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

// generatedType is the result type the generator fingerprinted for def's
// runs; false when def has no fingerprint (hand-written invocations).
func generatedType(def *Def) (resultType, bool) {
	if def == nil || def.TypeHash == "" {
		return resultType{}, false
	}
	return resultType{hash: def.TypeHash, desc: def.TypeDesc, goType: def.GoType}, true
}

// wantOf is typeOf for a run under p: p's own (never changed) when it has
// one, else a new one.
func wantOf[R any](def *Def, p *plan) *resultType {
	if p.want != nil {
		return p.want
	}
	return ptrTo(typeOf[R](def))
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
func (t resultType) judge(m *record.Meta, def *Def, task string, st storage.Storage, key string) (stale string, err error) {
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
	// The key and the store are named once, in the command that frees it.
	return "", fmt.Errorf("%s: %w: %s wrote it (type %s), but %s (%s) returns %s; "+
		"give one of them another storage_key, or remove the record with `%s`",
		runWho(def, task), ErrKeyConflict, other, m.GoType, task, def.Func, t.goType, rmCommand(st, key, false))
}

// runWho names a run of def called name in errors: "task name", "flow name".
func runWho(def *Def, name string) string {
	if def != nil && def.Kind == KindFlow {
		return "flow " + name
	}
	return "task " + name
}

// foreign is the error of a run of who ("task Hello") that found an object
// at its key that resultgen cannot prove it wrote (see record.Classify): it
// is never overwritten nor removed, so the run fails and says how to free
// the key. The key and the store are named once, in that command.
func foreign(who string, st storage.Storage, key string, err error) error {
	why := err.Error()
	if ce := (*record.CorruptError)(nil); errors.As(err, &ce) {
		why = ce.Detail
	}
	if errors.Is(err, record.ErrZeroFilled) {
		return fmt.Errorf("%s: %w (%s); resultgen cannot prove it wrote it, so it never overwrites or removes it, "+
			"and this run and every run of the key fail until it is gone: remove it with `%s`, or move it away",
			who, ErrForeignObject, why, rmCommand(st, key, true))
	}
	return fmt.Errorf("%s: %w (%s); resultgen never overwrites what it cannot prove it wrote: move it away, choose another storage_key, "+
		"or remove it with `%s`", who, ErrForeignObject, why, rmCommand(st, key, true))
}

// rmCommand is the command that removes the object at key from st:
// `resultgen results rm [-force] KEY -storage SPEC`, the store given where
// the command can open it from its name (local:PATH, s3://BUCKET/PREFIX).
func rmCommand(st storage.Storage, key string, force bool) string {
	cmd := "resultgen results rm "
	if force {
		cmd += "-force "
	}
	cmd += shellWord(key)
	if spec := st.String(); strings.HasPrefix(spec, "local:") || strings.HasPrefix(spec, "s3://") {
		cmd += " -storage " + shellWord(spec)
	}
	return cmd
}

// shellWord quotes s for a POSIX shell when it holds more than letters,
// digits and -_./:@%+=,
func shellWord(s string) string {
	plain := s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// errNoKeyring: a run that encrypts its results has no keyring.
var errNoKeyring = fmt.Errorf("%w: encryption is on (encrypt=true, runtime.Encrypt or %s) but no keyring is set: set %s or %s", ErrKeyMissing, rules.EnvEncryptResults, rules.EnvKeyring, rules.EnvKeyringFile)
