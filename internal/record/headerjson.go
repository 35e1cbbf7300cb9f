package record

import (
	"encoding/base64"
	"slices"
	"time"
	"unicode/utf8"
)

// appendHeaderJSON appends the header of m as JSON to b: byte for byte
// what json.Marshal(headerOf(m)) returns (the header struct's field order
// and omitempty rules; encoding/json's string escaping, with HTML
// escaping; map keys sorted; times as time.Time.MarshalJSON writes them;
// []byte in standard base64), without reflection. It serves P2 (persisting
// 1 KiB locally, issue 21): encodeHeader of a task record took 33.5k
// instructions and 9 allocations through json.Marshal, 12.9k and 1 so
// (callgrind, BenchmarkEncodeHeader).
//
// ok is false, with the bytes appended to b unspecified, for a header
// json.Marshal refuses (a time RFC 3339 cannot hold: a year outside
// 0-9999, a zone offset of a day or more); appendHeader then calls
// json.Marshal for its error. No other field's type (see header,
// Manifest, Encryption, serializer.Spec) has a MarshalJSON or MarshalText
// method; a test fails if one gains one, and FuzzHeaderJSON checks the
// bytes against encoding/json's.
func appendHeaderJSON(b []byte, m Meta) (_ []byte, ok bool) {
	o := objWriter{b: append(b, '{'), empty: true}
	if s := m.Serializer; s != nil {
		o.key(`"serializer":`)
		o.b = appendSpecJSON(o.b, s.Type, s.Compression, s.Options)
	}
	o.str(`"go_type":`, m.GoType, true)
	o.str(`"task":`, m.Task, true)
	o.str(`"func":`, m.Func, true)
	o.str(`"type_hash":`, m.TypeHash, true)
	o.str(`"type":`, m.TypeDesc, true)
	o.str(`"key":`, m.Key, false)
	o.key(`"created":`)
	if o.b, ok = appendTimeJSON(o.b, m.Created); !ok {
		return o.b, false
	}
	if !m.Expires.IsZero() {
		o.key(`"expires":`)
		if o.b, ok = appendTimeJSON(o.b, m.Expires); !ok {
			return o.b, false
		}
	}
	if m.Literal != nil {
		o.key(`"literal":`)
		o.b = appendStringJSON(o.b, *m.Literal)
	}
	if len(m.Labels) > 0 {
		o.key(`"labels":`)
		o.b = appendMapJSON(o.b, m.Labels)
	}
	if x := m.Manifest; x != nil {
		o.key(`"manifest":`)
		o.b = appendManifestJSON(o.b, x)
	}
	o.str(`"writer":`, m.Writer, true)
	if e := m.Encryption; e != nil {
		o.key(`"enc":`)
		o.b = appendEncryptionJSON(o.b, e)
	}
	return append(o.b, '}'), true
}

// headerSizeHint returns about the length of m's header JSON: a buffer's
// capacity that most headers fit.
func headerSizeHint(m Meta) int {
	n := 256 + len(m.GoType) + len(m.Task) + len(m.Func) + len(m.TypeHash) + len(m.TypeDesc) + len(m.Key) + len(m.Writer)
	for k, v := range m.Labels {
		n += len(k) + len(v) + 6
	}
	if x := m.Manifest; x != nil {
		n += 160 + len(x.StorageKey) + len(x.Policy) + len(x.Inputs) + len(x.Source) + len(x.RunID) + len(x.FlowParameters)
		for _, p := range x.Params {
			n += len(p.Name) + len(p.Hash) + 40
		}
		for _, u := range x.Units {
			n += len(u) + 3
		}
	}
	if s := m.Serializer; s != nil {
		for k, v := range s.Options {
			n += len(k) + len(v) + 6
		}
	}
	if e := m.Encryption; e != nil {
		n += 128 + len(e.KeyID) + 2*(len(e.WrappedKey)+len(e.NoncePrefix))
	}
	return n
}

// objWriter appends a JSON object's members, commas between them.
type objWriter struct {
	b     []byte
	empty bool // no member yet
}

// key appends k, a quoted key and its colon, after a comma if needed.
func (o *objWriter) key(k string) {
	if !o.empty {
		o.b = append(o.b, ',')
	}
	o.empty = false
	o.b = append(o.b, k...)
}

// str appends the member k: v, or nothing when v is "" and omitEmpty.
func (o *objWriter) str(k, v string, omitEmpty bool) {
	if v == "" && omitEmpty {
		return
	}
	o.key(k)
	o.b = appendStringJSON(o.b, v)
}

// appendSpecJSON appends a serializer.Spec.
func appendSpecJSON(b []byte, typ, compression string, options map[string]string) []byte {
	o := objWriter{b: append(b, '{'), empty: true}
	o.str(`"type":`, typ, false)
	o.str(`"compression":`, compression, true)
	if len(options) > 0 {
		o.key(`"options":`)
		o.b = appendMapJSON(o.b, options)
	}
	return append(o.b, '}')
}

func appendManifestJSON(b []byte, x *Manifest) []byte {
	o := objWriter{b: append(b, '{'), empty: true}
	o.str(`"key_from":`, x.KeyFrom, false)
	o.str(`"storage_key":`, x.StorageKey, true)
	o.str(`"policy":`, x.Policy, true)
	if len(x.Params) > 0 {
		o.key(`"params":`)
		o.b = append(o.b, '[')
		for i, p := range x.Params {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			po := objWriter{b: append(o.b, '{'), empty: true}
			po.str(`"name":`, p.Name, false)
			po.str(`"hash":`, p.Hash, true)
			if p.Excluded {
				po.key(`"excluded":true`)
			}
			o.b = append(po.b, '}')
		}
		o.b = append(o.b, ']')
	}
	o.str(`"inputs":`, x.Inputs, true)
	if x.Keyed {
		o.key(`"keyed":true`)
	}
	o.str(`"source":`, x.Source, true)
	if len(x.Units) > 0 {
		o.key(`"units":`)
		o.b = append(o.b, '[')
		for i, u := range x.Units {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.b = appendStringJSON(o.b, u)
		}
		o.b = append(o.b, ']')
	}
	o.str(`"run_id":`, x.RunID, true)
	o.str(`"flow_parameters":`, x.FlowParameters, true)
	return append(o.b, '}')
}

func appendEncryptionJSON(b []byte, e *Encryption) []byte {
	o := objWriter{b: append(b, '{'), empty: true}
	o.str(`"cipher":`, e.Cipher, false)
	o.str(`"key_id":`, e.KeyID, false)
	o.str(`"wrap":`, e.Wrap, false)
	if len(e.WrappedKey) > 0 {
		o.key(`"wrapped_key":`)
		o.b = appendBase64JSON(o.b, e.WrappedKey)
	}
	if len(e.NoncePrefix) > 0 {
		o.key(`"nonce_prefix":`)
		o.b = appendBase64JSON(o.b, e.NoncePrefix)
	}
	return append(o.b, '}')
}

func appendBase64JSON(b, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendMapJSON appends a non-empty map[string]string with its keys in
// encoding/json's order: sorted by their bytes, before escaping.
func appendMapJSON(b []byte, m map[string]string) []byte {
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStringJSON(b, k)
		b = append(b, ':')
		b = appendStringJSON(b, m[k])
	}
	return append(b, '}')
}

// appendTimeJSON appends t as time.Time.MarshalJSON does: RFC 3339 with
// the nanoseconds' trailing zeros trimmed, "Z" for a zero offset. ok is
// false where MarshalJSON fails (the checks of its appendStrictRFC3339).
func appendTimeJSON(b []byte, t time.Time) (_ []byte, ok bool) {
	b = append(b, '"')
	n0 := len(b)
	b = t.AppendFormat(b, time.RFC3339Nano)
	num2 := func(b []byte) byte { return 10*(b[0]-'0') + (b[1] - '0') }
	switch {
	case b[n0+len("9999")] != '-': // a year of other than 4 digits
		return b, false
	case b[len(b)-1] != 'Z':
		if c := b[len(b)-len("Z07:00")]; ('0' <= c && c <= '9') || num2(b[len(b)-len("07:00"):]) >= 24 {
			return b, false
		}
	}
	return append(b, '"'), true
}

// appendStringJSON appends s quoted as encoding/json does with HTML
// escaping on: `"` and `\` escaped, \b \f \n \r \t by name, other control
// characters and <, > and & as \u00XX (lowercase hex), U+2028 and U+2029
// as \u2028 and \u2029, each byte of invalid UTF-8 as \ufffd; everything
// else as it is.
func appendStringJSON(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for ; i+8 <= len(s); i += 8 { // 8 bytes at a time while they are plain
			t := s[i : i+8]
			if !plain8(uint64(t[7])<<56 | uint64(t[6])<<48 | uint64(t[5])<<40 | uint64(t[4])<<32 |
				uint64(t[3])<<24 | uint64(t[2])<<16 | uint64(t[1])<<8 | uint64(t[0])) {
				break
			}
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe(c) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plain8 reports whether the 8 bytes in x are all ASCII that jsonSafe
// takes, testing them at once with the "has a zero byte" bit trick (exact
// as a yes or no): a byte of 0x80 or more, one under 0x20 (zero once its
// low 5 bits are cleared), " or & (0x22, 0x26: 0x26 with bit 2 set), < or
// > (0x3c, 0x3e: 0x3e with bit 1 set), or \.
func plain8(x uint64) bool {
	const ones = 0x0101010101010101
	y := x &^ (ones * 0x1f)
	z := (x | ones*0x04) ^ (ones * '&')
	w := (x | ones*0x02) ^ (ones * '>')
	v := x ^ (ones * '\\')
	bad := x | (y-ones)&^y | (z-ones)&^z | (w-ones)&^w | (v-ones)&^v
	return bad&(ones*0x80) == 0
}

// jsonSafe reports whether encoding/json writes the ASCII byte c as it
// is with HTML escaping on (its htmlSafeSet): printable, and none of
// " \ < > &.
func jsonSafe(c byte) bool {
	if c < 64 {
		return safeLow>>c&1 != 0
	}
	return safeHigh>>(c-64)&1 != 0
}

// The bits of jsonSafe's bytes 0-63 and 64-127.
const (
	safeLow  uint64 = 0xffffffff00000000 &^ (1<<'"' | 1<<'&' | 1<<'<' | 1<<'>')
	safeHigh uint64 = 0xffffffffffffffff &^ (1 << ('\\' - 64))
)
