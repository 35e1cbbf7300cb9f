package annotations

import (
	"errors"
	"fmt"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
)

var (
	builtinSerializers = rules.Serializers()
	compressions       = rules.Compressions()
	isolations         = rules.Isolations()
)

// validator checks each item's value and fills the Directive.
type validator struct {
	fset *token.FileSet
	d    *Directive
	errs *errorList
	seen map[string]*item

	compression   *item
	serializerBad bool // a serializer item was given but is invalid
}

func (v *validator) errorf(pos token.Pos, format string, args ...any) {
	v.errs.add(pos, format, args...)
}

func (v *validator) item(it *item) {
	info, known := keyTable[it.key]
	if !known {
		if it.key != "=" { // "=": a missing key, already reported
			v.errorf(it.pos(), "unknown key %q%s", it.key, suggestKey(it.key))
		}
		return
	}
	if first := v.seen[it.key]; first != nil {
		v.errorf(it.pos(), "duplicate key %q (first set %s)", it.key, where(v.fset, first.pos()))
		return
	}
	v.seen[it.key] = it
	if info.flag {
		if it.hasValue || it.bad {
			v.errorf(it.valuePos(), "%s takes no value", it.key)
		}
		return
	}
	if info.taskOnly && v.d.Kind == Flow {
		v.errorf(it.pos(), "%s applies only to tasks, not flows", it.key)
		return
	}
	if it.key == "serializer" && (it.bad || !it.hasValue) {
		v.serializerBad = true
	}
	if it.bad {
		return // the lexer reported it
	}
	boolField, durationField := v.d.boolFields()[it.key], v.d.durationFields()[it.key]
	if !it.hasValue && boolField == nil {
		v.errorf(it.pos(), "%s needs a value: write %s=VALUE", it.key, it.key)
		return
	}

	b := it.base()
	val := it.value
	switch {
	case boolField != nil:
		if x, ok := v.boolean(it); ok {
			*boolField = &Bool{Item: b, Value: x}
		}
		return
	case durationField != nil:
		if x, ok := v.duration(it); ok {
			*durationField = &Duration{Item: b, Value: x}
		}
		return
	}
	switch it.key {
	case "name":
		if val == "" {
			v.errorf(it.valuePos(), "name must not be empty")
			return
		}
		v.d.Name = &String{Item: b, Value: val}
	case "storage":
		if st, ok := v.storage(it); ok {
			v.d.Storage = st
		}
	case "storage_key":
		if t, ok := v.template(it); ok {
			v.d.StorageKey = t
		}
	case "serializer":
		if s, ok := v.serializer(it); ok {
			v.d.Serializer = s
		} else {
			v.serializerBad = true
		}
	case "compression":
		v.compression = it
		if v.enum(it, compressions) {
			v.d.Compression = &String{Item: b, Value: val}
		}
	case "isolation":
		if v.enum(it, isolations) {
			v.d.Isolation = &String{Item: b, Value: val}
		}
	case "cache_policy":
		if p, ok := v.policy(it); ok {
			v.d.CachePolicy = p
		}
	case "cache_key_fn":
		if !token.IsIdentifier(val) || val == "_" {
			v.errorf(it.valuePos(), "invalid cache_key_fn %q: want the name of a func in this package", val)
			return
		}
		v.d.CacheKeyFn = &String{Item: b, Value: val}
	case "on_commit", "on_rollback":
		if !token.IsIdentifier(val) || val == "_" {
			v.errorf(it.valuePos(), "invalid %s %q: want the name of a func in this package", it.key, val)
			return
		}
		if it.key == "on_commit" {
			v.d.OnCommit = &String{Item: b, Value: val}
		} else {
			v.d.OnRollback = &String{Item: b, Value: val}
		}
	case "retries":
		n, err := strconv.Atoi(val)
		switch {
		case errors.Is(err, strconv.ErrRange):
			v.errorf(it.valuePos(), "invalid retries %q: too large", val)
		case err != nil:
			v.errorf(it.valuePos(), "invalid retries %q: want a whole number >= 0", val)
		case n < 0:
			v.errorf(it.valuePos(), "invalid retries %q: must be >= 0", val)
		default:
			v.d.Retries = &Int{Item: b, Value: n}
		}
	}
}

// crossChecks runs the checks that involve more than one key.
func (v *validator) crossChecks() {
	if e, p := v.d.Encrypt, v.d.Persist; e != nil && e.Value && p != nil && !p.Value {
		v.errorf(e.Pos, "encrypt=true with persist=false: nothing is written, so nothing is encrypted; drop encrypt or persist=false")
	}
	if c := v.compression; c != nil && !v.serializerBad {
		switch s := v.d.Serializer; {
		case s == nil:
			v.errorf(c.pos(), "compression applies only to compressed/* serializers: no serializer is set (add serializer=compressed/msgpack)")
		case !s.Compressed:
			v.errorf(c.pos(), "compression applies only to compressed/* serializers: the serializer is %q", s.Raw)
		}
	}
}

func suggestKey(key string) string {
	if k, ok := pythonKeys[key]; ok {
		return ` (did you mean "` + k + `"?)`
	}
	return didYouMean(key, keyOrder)
}

// boolFields maps the boolean keys to their fields of d: they take true or
// false, and written bare, a key means true.
func (d *Directive) boolFields() map[string]**Bool {
	return map[string]**Bool{"persist": &d.Persist, "cache_in_memory": &d.CacheInMemory, "refresh_cache": &d.RefreshCache, "encrypt": &d.Encrypt}
}

// durationFields maps the duration keys to their fields of d.
func (d *Directive) durationFields() map[string]**Duration {
	return map[string]**Duration{"cache_expiration": &d.CacheExpiration, "retry_delay": &d.RetryDelay}
}

func (v *validator) boolean(it *item) (bool, bool) {
	if !it.hasValue {
		return true, true // a bare boolean key means true
	}
	switch it.value {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	v.errorf(it.valuePos(), "invalid %s %q: want true or false", it.key, it.value)
	return false, false
}

func (v *validator) enum(it *item, allowed []string) bool {
	if slices.Contains(allowed, it.value) {
		return true
	}
	v.errorf(it.valuePos(), "invalid %s %q%s: want %s", it.key, it.value, didYouMean(it.value, allowed), orList(allowed))
	return false
}

var daysRE = regexp.MustCompile(`^([0-9]+)d$`)

func (v *validator) duration(it *item) (time.Duration, bool) {
	x, err := time.ParseDuration(it.value)
	if err != nil {
		hint := ""
		if m := daysRE.FindStringSubmatch(it.value); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n < 1<<20 {
				hint = fmt.Sprintf(" (write %dh for %s)", 24*n, it.value)
			}
		}
		v.errorf(it.valuePos(), "invalid %s %q: want a Go duration such as 90s, 15m or 24h%s", it.key, it.value, hint)
		return 0, false
	}
	if x <= 0 {
		v.errorf(it.valuePos(), "invalid %s %q: must be greater than zero", it.key, it.value)
		return 0, false
	}
	return x, true
}

func (v *validator) serializer(it *item) (*Serializer, bool) {
	raw := it.value
	s := &Serializer{Item: it.base(), Raw: raw}
	const compressed = "compressed/"
	switch {
	case slices.Contains(builtinSerializers, raw):
		s.Builtin = raw
	case strings.HasPrefix(raw, compressed):
		inner := raw[len(compressed):]
		if !slices.Contains(builtinSerializers, inner) {
			v.errorf(it.at(len(compressed)), "invalid serializer %q%s: want compressed/msgpack, compressed/json or compressed/gob",
				raw, didYouMean(inner, builtinSerializers))
			return nil, false
		}
		s.Builtin, s.Compressed = inner, true
	case raw == "compressed":
		v.errorf(it.valuePos(), "invalid serializer %q: name the format, as compressed/msgpack, compressed/json or compressed/gob", raw)
		return nil, false
	case isQualifiedIdent(raw):
		s.Ident = raw
	default:
		v.errorf(it.valuePos(), "invalid serializer %q: want msgpack, json, gob, compressed/<one of those>, or the Go identifier of a serializer value", raw)
		return nil, false
	}
	return s, true
}

// isQualifiedIdent reports whether s is "Name" or "pkg.Name".
func isQualifiedIdent(s string) bool {
	pkg, name, qualified := strings.Cut(s, ".")
	if !qualified {
		return token.IsIdentifier(s) && s != "_"
	}
	return token.IsIdentifier(pkg) && pkg != "_" && token.IsIdentifier(name) && name != "_"
}

func (v *validator) storage(it *item) (*Storage, bool) {
	raw := it.value
	parsed, err := rules.ParseStorage(raw)
	if err != nil {
		e := err.(*rules.StorageError)
		msg := e.Error()
		if strings.HasSuffix(msg, rules.StorageWant) && !strings.Contains(raw, "/") && !strings.Contains(raw, ":") {
			msg += didYouMean(raw, []string{"local", "memory"})
		}
		v.errorf(it.at(e.Offset), "%s", msg)
		return nil, false
	}
	st := &Storage{Item: it.base(), Raw: raw}
	switch parsed.Kind {
	case rules.StorageLocal:
		st.Scheme, st.Path = "local", parsed.Path
	case rules.StorageMemory:
		st.Scheme = "memory"
	case rules.StorageS3:
		st.Scheme, st.Bucket, st.Prefix, st.Path = "s3", parsed.Bucket, parsed.Prefix, parsed.Bucket
		if parsed.Prefix != "" {
			st.Path += "/" + parsed.Prefix
		}
	case rules.StorageBlock:
		st.Scheme, st.Path, st.BlockType, st.BlockName = "block", raw, parsed.BlockType, parsed.BlockName
	default:
		v.errorf(it.valuePos(), "empty storage: %s", rules.StorageWant)
		return nil, false
	}
	return st, true
}

func (v *validator) policy(it *item) (*Policy, bool) {
	parsed, err := rules.ParsePolicy(it.value)
	if err != nil {
		for _, e := range err.(rules.PolicyErrors) {
			v.errorf(it.at(e.Offset), "%s", e.Msg)
		}
		return nil, false
	}
	return &Policy{Item: it.base(), Raw: it.value, Parts: parsed.Written, Drop: parsed.Drop}, true
}

func (v *validator) template(it *item) (*Template, bool) {
	if it.value == "" {
		v.errorf(it.valuePos(), "empty storage_key template")
		return nil, false
	}
	parts, errs := parseTemplate(it.value)
	for _, e := range errs {
		v.errorf(it.at(e.Offset), "storage_key: %s", e.Msg)
	}
	if len(errs) > 0 {
		return nil, false
	}
	for i := range parts {
		pt := &parts[i]
		pt.Pos = it.at(pt.Offset)
		if r := pt.Ref; r != nil {
			r.NamePos = it.at(r.NameOffset)
			if r.Arg != "" {
				r.ArgPos = it.at(r.ArgOffset)
			}
			for _, off := range r.FieldOffsets {
				r.FieldPos = append(r.FieldPos, it.at(off))
			}
		}
	}
	return &Template{Item: it.base(), Raw: it.value, Parts: parts}, true
}
