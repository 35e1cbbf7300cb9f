package runtime

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
)

// ErrUnhashable is wrapped by every error of hashing an input that has no
// stable representation (funcs, chans, unsafe pointers).
var ErrUnhashable = errors.New("value cannot be hashed")

// Hasher accumulates a deterministic hash of a call's inputs for the "inputs"
// cache policy.
//
// Generated code calls Param before each parameter and hashes the parameter
// only when Param reports true (the policy may leave it out with
// "inputs-NAME"). The typed methods (String, Int, ...) cover basic types;
// Value covers everything else by reflection:
//
//   - every value is written with a type tag and, for strings, bytes and
//     collections, a length prefix, so ("ab", "c") and ("a", "bc") differ;
//   - map entries are sorted by the encoded bytes of their keys;
//   - pointers are followed; a pointer back into the value being hashed is
//     written as a back reference, so cycles end;
//   - struct fields, exported or not, are written with their names, in name
//     order;
//   - time.Time is written as its instant and location name (never its
//     monotonic clock reading);
//   - funcs, chans and unsafe pointers are an error naming the path to them,
//     e.g. "cfg.Hook: func values cannot be hashed"; it wraps ErrUnhashable;
//   - so are values that are not values but a resource or a
//     synchronization state, whose hash would be that state (two unlocked
//     mutexes one key, a locked one another): sync's Mutex, RWMutex,
//     WaitGroup, Once, Cond, Map and Pool, os.File, net's connections and
//     listeners, a context's contents, reflect.Value, and anything holding
//     one. The generator refuses such parameters at generate time
//     (review's check unhashable-input); this is the backstop for configs
//     made in code.
//
// An error of Value names the parameter and the fix: leave it out of the
// key with cache_policy inputs-NAME, or set a cache_key_fn.
//
// A Hasher is not safe for concurrent use.
type Hasher struct {
	h       hash.Hash
	exclude map[string]bool
	param   string
	// With track, each parameter's encoding (without its name) is hashed
	// on its own as well, for the record's key manifest, in the same pass.
	track  bool
	params []paramSum
	cur    hash.Hash // the current parameter's own hash; nil when excluded
	// digests are the parameters' own hashes handed out so far (used of
	// them in this pass): a reused Hasher resets them rather than
	// allocating new ones.
	digests []hash.Hash
	used    int
	both    pairWriter // w while a tracked parameter is written: h and cur
	w       io.Writer  // h.h, or h.h and cur
	hw      io.Writer  // h.h as an io.Writer, converted once
	// paramOK: param names the parameter being written (Param was
	// called since the last reset)
	paramOK bool
	e       encoder // for the methods writing scalars (Value has its own)
	sumBuf  [sha256.Size]byte
}

// pairWriter writes to two hashes (io.MultiWriter without an allocation).
type pairWriter struct{ a, b hash.Hash }

func (p *pairWriter) Write(b []byte) (int, error) {
	p.a.Write(b)
	return p.b.Write(b)
}

// paramSum is one parameter's own hash; h is nil when the policy leaves the
// parameter out.
type paramSum struct {
	name string
	h    hash.Hash
}

func newHasher(exclude map[string]bool) *Hasher {
	h := &Hasher{exclude: exclude}
	h.setHash(sha256.New())
	return h
}

// setHash makes d the digest h writes to.
func (h *Hasher) setHash(d hash.Hash) {
	h.h, h.hw = d, d
	h.w, h.e.w = d, d
}

// setW points h's writes at w. It stores w only when it changes: the
// Hasher of a lookup is pooled, on the heap, and every pointer stored
// there while the collector marks goes through a write barrier (P3's
// memory hit: the barriers of the Hasher's resets and of Param were some
// 10% of a hit, callgrind).
func (h *Hasher) setW(w io.Writer) {
	if h.w != w {
		h.w = w
	}
}

// setW is Hasher.setW for the encoder's writer.
func (e *encoder) setW(w io.Writer) {
	if e.w != w {
		e.w = w
	}
}

// newTrackingHasher is newHasher that also keeps each parameter's hash.
func newTrackingHasher(exclude map[string]bool) *Hasher {
	h := newHasher(exclude)
	h.track = true
	return h
}

// paramDigest returns a reset SHA-256 for the next tracked parameter.
func (h *Hasher) paramDigest() hash.Hash {
	if h.used < len(h.digests) {
		d := h.digests[h.used]
		d.Reset()
		h.used++
		return d
	}
	d := sha256.New()
	h.digests = append(h.digests, d)
	h.used++
	return d
}

// sum returns the hex SHA-256 of everything written so far.
func (h *Hasher) sum() string { return hexString(h.h.Sum(h.sumBuf[:0])) }

// hexString is hex.EncodeToString of a SHA-256 in one allocation (the
// string), not two.
func hexString(sum []byte) string {
	var b [2 * sha256.Size]byte
	if len(sum) > sha256.Size {
		return hex.EncodeToString(sum)
	}
	return string(b[:hexSum(&b, sum)])
}

// hexPairs holds the two lowercase hex digits of every byte value, read
// only.
const hexPairs = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" +
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" +
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f" +
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f" +
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f" +
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf" +
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

// hexSum writes the hex of sum (at most a SHA-256) into b, as hex.Encode,
// and returns its length: a byte's two digits in one 2-byte copy, where
// hex.Encode looks each digit up. Serves P3's hit rows (two hex strings a
// hit, the inputs' and the key): callgrind counts 612 instructions for one
// with hex.Encode, 411 with hexSum.
func hexSum(b *[2 * sha256.Size]byte, sum []byte) int {
	sum = sum[:min(len(sum), sha256.Size)]
	for i, c := range sum {
		copy(b[2*i:2*i+2], hexPairs[2*int(c):])
	}
	return 2 * len(sum)
}

// paramSums returns each parameter seen, in order, with the first 16 hex
// digits of the SHA-256 of its encoding ("" when the policy leaves it out).
func (h *Hasher) paramSums() []record.ParamSum {
	out := make([]record.ParamSum, len(h.params))
	for i, p := range h.params {
		out[i].Name = p.name
		if p.h == nil {
			out[i].Excluded = true
			continue
		}
		out[i].Hash = hex.EncodeToString(p.h.Sum(nil)[:8])
	}
	return out
}

// Param starts parameter name and reports whether the cache policy includes it.
func (h *Hasher) Param(name string) bool {
	if h.param != name {
		h.param = name
	}
	h.paramOK = true
	h.setW(h.hw)
	if h.track {
		var ph hash.Hash
		if !h.exclude[name] {
			ph = h.paramDigest()
		}
		h.params = append(h.params, paramSum{name: name, h: ph})
		h.cur = ph
	}
	if h.exclude[name] {
		return false
	}
	e := &h.e
	e.setW(h.hw)
	e.tagStr('P', name)
	if h.cur != nil {
		h.both = pairWriter{h.h, h.cur}
		h.w = &h.both
	}
	return true
}

func (h *Hasher) enc() *encoder {
	h.e.setW(h.w)
	return &h.e
}

// String hashes a string.
func (h *Hasher) String(s string) { h.enc().tagStr('s', s) }

// Int hashes a signed integer.
func (h *Hasher) Int(v int64) { h.enc().tagU64('i', uint64(v)) }

// Uint hashes an unsigned integer.
func (h *Hasher) Uint(v uint64) { h.enc().tagU64('u', v) }

// Float hashes a float by its IEEE 754 bits.
func (h *Hasher) Float(v float64) { h.enc().tagU64('f', math.Float64bits(v)) }

// Complex hashes a complex number.
func (h *Hasher) Complex(v complex128) {
	e := h.enc()
	e.tag('c')
	e.u64(math.Float64bits(real(v)))
	e.u64(math.Float64bits(imag(v)))
}

// Bool hashes a bool.
func (h *Hasher) Bool(v bool) {
	e := h.enc()
	if v {
		e.tag('T')
	} else {
		e.tag('F')
	}
}

// Bytes hashes a byte slice (nil and empty are the same).
func (h *Hasher) Bytes(v []byte) { e := h.enc(); e.tag('b'); e.bytes(v) }

// Value hashes any value deterministically (map keys sorted, pointers
// followed, cycles detected); funcs, chans and unsafe pointers are an error.
func (h *Hasher) Value(v any) error {
	root := "value"
	if h.paramOK && h.param != "" {
		root = h.param
	}
	e := &encoder{w: h.w, seen: map[visit]int{}}
	if err := e.value(reflect.ValueOf(v), root); err != nil {
		if !h.paramOK || h.param == "" {
			return err
		}
		return fmt.Errorf("%w (leave parameter %s out with cache_policy inputs-%s, or set a cache_key_fn)", err, h.param, h.param)
	}
	return nil
}

// Unhashable is what generated code returns for a parameter whose type
// cannot be hashed when a run-time option makes the policy include it.
func (h *Hasher) Unhashable(name, typ string) error {
	return fmt.Errorf("parameter %s of type %s: %w (leave it out with cache_policy inputs-%s or set a cache_key_fn)", name, typ, ErrUnhashable, name)
}

type visit struct {
	typ reflect.Type
	ptr uintptr
}

type encoder struct {
	w       io.Writer
	seen    map[visit]int // pointers on the current path, by depth
	depth   int
	buf     [binary.MaxVarintLen64]byte
	scratch [128]byte // short strings are written from here, without a conversion
}

func (e *encoder) tag(b byte) { e.buf[0] = b; e.w.Write(e.buf[:1]) }
func (e *encoder) uvarint(n uint64) {
	k := binary.PutUvarint(e.buf[:], n)
	e.w.Write(e.buf[:k])
}
func (e *encoder) u64(n uint64) {
	binary.BigEndian.PutUint64(e.buf[:8], n)
	e.w.Write(e.buf[:8])
}
func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	if len(s) <= len(e.scratch) {
		e.w.Write(e.scratch[:copy(e.scratch[:], s)])
		return
	}
	e.w.Write([]byte(s))
}

// tagStr is tag(b) then str(s), in one Write when they fit the scratch
// buffer: the same bytes. Serves P3's hits, whose lookup encodes each
// parameter's name and a string in two writes rather than six (the key
// memo's buffer took 244 of a memory hit's 7.4k instructions, callgrind).
func (e *encoder) tagStr(b byte, s string) {
	if len(s) > len(e.scratch)-1-binary.MaxVarintLen64 {
		e.tag(b)
		e.str(s)
		return
	}
	e.scratch[0] = b
	n := 1 + binary.PutUvarint(e.scratch[1:], uint64(len(s)))
	n += copy(e.scratch[n:], s)
	e.w.Write(e.scratch[:n])
}

// tagU64 is tag(b) then u64(n), in one Write: the same bytes.
func (e *encoder) tagU64(b byte, n uint64) {
	e.scratch[0] = b
	binary.BigEndian.PutUint64(e.scratch[1:9], n)
	e.w.Write(e.scratch[:9])
}

func (e *encoder) bytes(b []byte) { e.uvarint(uint64(len(b))); e.w.Write(b) }

var timeType = reflect.TypeFor[time.Time]()

func unhashable(path, what string) error {
	return fmt.Errorf("%s: %s values cannot be hashed: %w", path, what, ErrUnhashable)
}

// enter records a reference on the current path; it reports the depth of an
// earlier visit when the reference closes a cycle.
func (e *encoder) enter(t reflect.Type, p uintptr) (back int, cycle bool) {
	k := visit{t, p}
	if d, ok := e.seen[k]; ok {
		return d, true
	}
	e.seen[k] = e.depth
	return 0, false
}

func (e *encoder) leave(t reflect.Type, p uintptr) { delete(e.seen, visit{t, p}) }

func (e *encoder) value(v reflect.Value, path string) error {
	if !v.IsValid() {
		e.tag('n')
		return nil
	}
	e.depth++
	defer func() { e.depth-- }()
	t := v.Type()
	if t == timeType {
		sec, nsec, loc := timeParts(v)
		e.tag('t')
		e.u64(uint64(sec))
		e.u64(uint64(nsec))
		e.str(loc)
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if v.Bool() {
			e.tag('T')
		} else {
			e.tag('F')
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.tagU64('i', uint64(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.tagU64('u', v.Uint())
	case reflect.Float32, reflect.Float64:
		e.tagU64('f', math.Float64bits(v.Float()))
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		e.tag('c')
		e.u64(math.Float64bits(real(c)))
		e.u64(math.Float64bits(imag(c)))
	case reflect.String:
		e.tagStr('s', v.String())
	case reflect.Func:
		return unhashable(path, "func")
	case reflect.Chan:
		return unhashable(path, "chan")
	case reflect.UnsafePointer:
		return unhashable(path, "unsafe.Pointer")
	case reflect.Interface:
		if v.IsNil() {
			e.tag('n')
			return nil
		}
		el := v.Elem()
		e.tag('I')
		e.str(el.Type().String())
		return e.value(el, path)
	case reflect.Pointer:
		if v.IsNil() {
			e.tag('n')
			return nil
		}
		if back, cycle := e.enter(t, v.Pointer()); cycle {
			e.tag('r')
			e.uvarint(uint64(e.depth - back))
			return nil
		}
		defer e.leave(t, v.Pointer())
		e.tag('p')
		return e.value(v.Elem(), path)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			e.tag('b')
			e.bytes(v.Bytes())
			return nil
		}
		if v.Len() > 0 {
			if back, cycle := e.enter(t, v.Pointer()); cycle {
				e.tag('r')
				e.uvarint(uint64(e.depth - back))
				return nil
			}
			defer e.leave(t, v.Pointer())
		}
		return e.list('l', v, path)
	case reflect.Array:
		return e.list('a', v, path)
	case reflect.Map:
		return e.mapValue(v, path)
	case reflect.Struct:
		if what := resourceKind(t); what != "" {
			return unhashable(path, what)
		}
		return e.structValue(v, path)
	default:
		return unhashable(path, t.Kind().String())
	}
	return nil
}

// resourceKind names a struct type whose values are a resource or a
// synchronization state rather than a value ("sync.Mutex"); "" for the
// others. The generator refuses the same types (rules.NotAValueOf).
func resourceKind(t reflect.Type) string {
	pkg := t.PkgPath()
	if pkg == "" {
		return ""
	}
	name := t.Name()
	switch rules.NotAValueOf(pkg, name, t.Kind() == reflect.Interface) {
	case rules.NotAValueSync:
		return "sync." + name + " (a lock or synchronization state)"
	case rules.NotAValueFile:
		return "os." + name + " (an open file or process)"
	case rules.NotAValueNet:
		return "net." + name + " (a network connection)"
	case rules.NotAValueContext:
		return "context (a context's contents)"
	case rules.NotAValueReflect:
		return "reflect.Value"
	}
	return ""
}

func (e *encoder) list(tag byte, v reflect.Value, path string) error {
	e.tag(tag)
	e.uvarint(uint64(v.Len()))
	for i := range v.Len() {
		if err := e.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) mapValue(v reflect.Value, path string) error {
	if v.IsNil() {
		e.tag('n')
		return nil
	}
	t := v.Type()
	if back, cycle := e.enter(t, v.Pointer()); cycle {
		e.tag('r')
		e.uvarint(uint64(e.depth - back))
		return nil
	}
	defer e.leave(t, v.Pointer())
	type entry struct{ k, v []byte }
	entries := make([]entry, 0, v.Len())
	it := v.MapRange()
	for it.Next() {
		var kb, vb bytes.Buffer
		sub := &encoder{w: &kb, seen: e.seen, depth: e.depth}
		if err := sub.value(it.Key(), path+"[key]"); err != nil {
			return err
		}
		sub.w = &vb
		if err := sub.value(it.Value(), fmt.Sprintf("%s[%s]", path, keyLabel(it.Key()))); err != nil {
			return err
		}
		entries = append(entries, entry{kb.Bytes(), vb.Bytes()})
	}
	slices.SortFunc(entries, func(a, b entry) int { return bytes.Compare(a.k, b.k) })
	e.tag('m')
	e.uvarint(uint64(len(entries)))
	for _, en := range entries {
		e.bytes(en.k)
		e.bytes(en.v)
	}
	return nil
}

func keyLabel(k reflect.Value) string {
	switch k.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", k.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fmt.Sprint(k.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprint(k.Uint())
	}
	return "..."
}

func (e *encoder) structValue(v reflect.Value, path string) error {
	t := v.Type()
	idx := make([]int, t.NumField())
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return strings.Compare(t.Field(a).Name, t.Field(b).Name) })
	e.tag('S')
	e.uvarint(uint64(len(idx)))
	for _, i := range idx {
		f := t.Field(i)
		if f.Name == "_" {
			continue
		}
		e.str(f.Name)
		if err := e.value(v.Field(i), path+"."+f.Name); err != nil {
			return err
		}
	}
	return nil
}

// Offsets of time.Time's internal encoding (see package time): a wall clock
// with hasMonotonic set keeps seconds since 1885 in bits 1..33; otherwise ext
// keeps seconds since year 1.
const (
	timeHasMonotonic = 1 << 63
	timeNsecMask     = 1<<30 - 1
	timeNsecShift    = 30
	timeWallToIntern = (1884*365 + 1884/4 - 1884/100 + 1884/400) * 86400
	timeUnixToIntern = (1969*365 + 1969/4 - 1969/100 + 1969/400) * 86400
)

// timeParts returns the Unix seconds, nanoseconds and location name of a
// time.Time value, read without Interface so unexported fields work too.
func timeParts(v reflect.Value) (sec int64, nsec int64, loc string) {
	if v.CanInterface() {
		t := v.Interface().(time.Time)
		return t.Unix(), int64(t.Nanosecond()), t.Location().String()
	}
	wall := v.FieldByName("wall").Uint()
	ext := v.FieldByName("ext").Int()
	nsec = int64(wall & timeNsecMask)
	if wall&timeHasMonotonic != 0 {
		sec = int64(wall<<1>>(timeNsecShift+1)) + timeWallToIntern
	} else {
		sec = ext
	}
	sec -= timeUnixToIntern
	loc = "UTC"
	if l := v.FieldByName("loc"); !l.IsNil() {
		if l.Pointer() == reflect.ValueOf(time.Local).Pointer() {
			loc = "Local"
		} else {
			loc = l.Elem().FieldByName("name").String()
		}
	}
	return sec, nsec, loc
}
