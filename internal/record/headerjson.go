package record

import (
	"encoding/base64"
	"time"

	"github.com/resultgen/resultgen/internal/appendjson"
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
		o.b = appendjson.String(o.b, *m.Literal)
	}
	if len(m.Labels) > 0 {
		o.key(`"labels":`)
		o.b = appendjson.Map(o.b, m.Labels)
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
	o.b = appendjson.String(o.b, v)
}

// appendSpecJSON appends a serializer.Spec.
func appendSpecJSON(b []byte, typ, compression string, options map[string]string) []byte {
	o := objWriter{b: append(b, '{'), empty: true}
	o.str(`"type":`, typ, false)
	o.str(`"compression":`, compression, true)
	if len(options) > 0 {
		o.key(`"options":`)
		o.b = appendjson.Map(o.b, options)
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
			o.b = appendjson.String(o.b, u)
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
