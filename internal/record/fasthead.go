package record

import (
	"time"
	"unicode/utf8"

	"github.com/resultgen/resultgen/runtime/serializer"
)

// parseHeaderFastString decodes a header as headerJSON writes it: one JSON
// object without white space, known keys each at most once, strings
// without escapes, no nulls. It gives what encoding/json gives for such
// input, the strings slices of text; ok is false for anything else, which parseHeader then hands to encoding/json. Every
// header resultgen writes without escapes takes this path: a cache hit
// decodes its header in a few hundred nanoseconds.
func parseHeaderFastString(text string) (h header, ok bool) {
	s := hscan{s: text}
	var seen keySet
	ok = s.object(func(key string) bool {
		switch key {
		case "serializer":
			if !seen.first(1 << 0) {
				return false
			}
			h.Serializer = new(serializer.Spec)
			return s.spec(h.Serializer)
		case "go_type":
			return seen.first(1<<1) && s.str(&h.GoType)
		case "task":
			return seen.first(1<<2) && s.str(&h.Task)
		case "func":
			return seen.first(1<<3) && s.str(&h.Func)
		case "type_hash":
			return seen.first(1<<4) && s.str(&h.TypeHash)
		case "type":
			return seen.first(1<<5) && s.str(&h.TypeDesc)
		case "key":
			return seen.first(1<<6) && s.str(&h.Key)
		case "created":
			return seen.first(1<<7) && s.time(&h.Created)
		case "expires":
			if !seen.first(1 << 8) {
				return false
			}
			h.Expires = new(time.Time)
			return s.time(h.Expires)
		case "literal":
			if !seen.first(1 << 9) {
				return false
			}
			h.Literal = new(string)
			return s.str(h.Literal)
		case "labels":
			if !seen.first(1 << 10) {
				return false
			}
			h.Labels = map[string]string{}
			return s.strMap(h.Labels)
		case "writer":
			return seen.first(1<<12) && s.str(&h.Writer)
		case "manifest":
			if !seen.first(1 << 11) {
				return false
			}
			h.Manifest = new(Manifest)
			return s.manifest(h.Manifest)
		}
		return false
	})
	return h, ok && s.i == len(s.s)
}

// keySet tells a repeated key of an object: one bit a key.
type keySet uint16

// first marks bit and says whether it was not marked yet.
func (k *keySet) first(bit uint16) bool {
	if uint16(*k)&bit != 0 {
		return false
	}
	*k |= keySet(bit)
	return true
}

// hscan reads the JSON subset parseHeaderFast accepts from s.
type hscan struct {
	s string
	i int
}

func (s *hscan) next(c byte) bool {
	if s.i < len(s.s) && s.s[s.i] == c {
		s.i++
		return true
	}
	return false
}

// raw returns a string's contents, which must need no unescaping and be
// valid UTF-8 (encoding/json would change them otherwise).
func (s *hscan) raw() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.i
	ascii := true
	for ; s.i < len(s.s); s.i++ {
		switch c := s.s[s.i]; {
		case c == '"':
			v := s.s[start:s.i]
			s.i++
			return v, ascii || utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

func (s *hscan) str(dst *string) bool {
	v, ok := s.raw()
	*dst = v
	return ok
}

// object reads {"k":v,...}, calling field with each key positioned at the
// value; field reads the value.
func (s *hscan) object(field func(key string) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		k, ok := s.raw()
		if !ok || !s.next(':') || !field(k) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads [v,...], calling elem at each value.
func (s *hscan) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

func (s *hscan) strMap(m map[string]string) bool {
	return s.object(func(k string) bool {
		if _, dup := m[k]; dup {
			return false
		}
		v, ok := s.raw()
		m[k] = v
		return ok
	})
}

func (s *hscan) time(t *time.Time) bool {
	start := s.i
	if _, ok := s.raw(); !ok {
		return false
	}
	// time.Time's own JSON decoding, as encoding/json calls it
	return t.UnmarshalJSON([]byte(s.s[start:s.i])) == nil
}

func (s *hscan) bool(dst *bool) bool {
	switch {
	case len(s.s)-s.i >= 4 && s.s[s.i:s.i+4] == "true":
		*dst, s.i = true, s.i+4
	case len(s.s)-s.i >= 5 && s.s[s.i:s.i+5] == "false":
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return true
}

func (s *hscan) spec(sp *serializer.Spec) bool {
	var seen uint8
	return s.object(func(k string) bool {
		switch {
		case k == "type" && seen&1 == 0:
			seen |= 1
			return s.str(&sp.Type)
		case k == "compression" && seen&2 == 0:
			seen |= 2
			return s.str(&sp.Compression)
		case k == "options" && seen&4 == 0:
			seen |= 4
			sp.Options = map[string]string{}
			return s.strMap(sp.Options)
		}
		return false
	})
}

func (s *hscan) manifest(m *Manifest) bool {
	var seen keySet
	return s.object(func(k string) bool {
		switch k {
		case "key_from":
			return seen.first(1<<0) && s.str(&m.KeyFrom)
		case "storage_key":
			return seen.first(1<<1) && s.str(&m.StorageKey)
		case "policy":
			return seen.first(1<<2) && s.str(&m.Policy)
		case "inputs":
			return seen.first(1<<3) && s.str(&m.Inputs)
		case "source":
			return seen.first(1<<4) && s.str(&m.Source)
		case "run_id":
			return seen.first(1<<5) && s.str(&m.RunID)
		case "flow_parameters":
			return seen.first(1<<6) && s.str(&m.FlowParameters)
		case "units":
			if !seen.first(1 << 7) {
				return false
			}
			m.Units = []string{}
			return s.array(func() bool {
				v, ok := s.raw()
				m.Units = append(m.Units, v)
				return ok
			})
		case "params":
			if !seen.first(1 << 8) {
				return false
			}
			m.Params = []ParamSum{}
			return s.array(func() bool {
				var p ParamSum
				var seen uint8
				ok := s.object(func(k string) bool {
					switch {
					case k == "name" && seen&1 == 0:
						seen |= 1
						return s.str(&p.Name)
					case k == "hash" && seen&2 == 0:
						seen |= 2
						return s.str(&p.Hash)
					case k == "excluded" && seen&4 == 0:
						seen |= 4
						return s.bool(&p.Excluded)
					}
					return false
				})
				m.Params = append(m.Params, p)
				return ok
			})
		}
		return false
	})
}
