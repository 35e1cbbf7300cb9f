package record

import (
	"time"
	"unicode/utf8"

	"github.com/resultgen/resultgen/runtime/serializer"
)

// parseHeaderFast decodes a header as headerJSON writes it: one JSON object
// without white space, known keys each at most once, strings without
// escapes, no nulls. It gives what encoding/json gives for such input, with
// one allocation for all the strings (they share a copy of b); ok is false
// for anything else, which parseHeader then hands to encoding/json. Every
// header resultgen writes without escapes takes this path: a cache hit
// decodes its header in a few hundred nanoseconds.
func parseHeaderFast(b []byte) (h header, ok bool) {
	return parseHeaderFastString(string(b))
}

// parseHeaderFastString is parseHeaderFast over text the strings may share:
// the header's strings are slices of it.
func parseHeaderFastString(text string) (h header, ok bool) {
	s := hscan{s: text}
	var seen uint16
	ok = s.object(func(key string) bool {
		bit := headerKeyBit(key)
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch key {
		case "serializer":
			h.Serializer = new(serializer.Spec)
			return s.spec(h.Serializer)
		case "go_type":
			return s.str(&h.GoType)
		case "task":
			return s.str(&h.Task)
		case "func":
			return s.str(&h.Func)
		case "type_hash":
			return s.str(&h.TypeHash)
		case "type":
			return s.str(&h.TypeDesc)
		case "key":
			return s.str(&h.Key)
		case "created":
			return s.time(&h.Created)
		case "expires":
			h.Expires = new(time.Time)
			return s.time(h.Expires)
		case "literal":
			h.Literal = new(string)
			return s.str(h.Literal)
		case "labels":
			h.Labels = map[string]string{}
			return s.strMap(h.Labels)
		case "manifest":
			h.Manifest = new(Manifest)
			return s.manifest(h.Manifest)
		}
		return false
	})
	return h, ok && s.i == len(s.s)
}

// headerKeyBit returns the bit of a header key (0 for an unknown key), to
// tell a repeated key.
func headerKeyBit(key string) uint16 {
	switch key {
	case "serializer":
		return 1 << 0
	case "go_type":
		return 1 << 1
	case "task":
		return 1 << 2
	case "func":
		return 1 << 3
	case "type_hash":
		return 1 << 4
	case "type":
		return 1 << 5
	case "key":
		return 1 << 6
	case "created":
		return 1 << 7
	case "expires":
		return 1 << 8
	case "literal":
		return 1 << 9
	case "labels":
		return 1 << 10
	case "manifest":
		return 1 << 11
	}
	return 0
}

// manifestKeyBit is headerKeyBit for the keys of a manifest.
func manifestKeyBit(key string) uint16 {
	switch key {
	case "key_from":
		return 1 << 0
	case "storage_key":
		return 1 << 1
	case "policy":
		return 1 << 2
	case "inputs":
		return 1 << 3
	case "source":
		return 1 << 4
	case "run_id":
		return 1 << 5
	case "flow_parameters":
		return 1 << 6
	case "units":
		return 1 << 7
	case "params":
		return 1 << 8
	}
	return 0
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
	var seen uint16
	return s.object(func(k string) bool {
		bit := manifestKeyBit(k)
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch k {
		case "key_from":
			return s.str(&m.KeyFrom)
		case "storage_key":
			return s.str(&m.StorageKey)
		case "policy":
			return s.str(&m.Policy)
		case "inputs":
			return s.str(&m.Inputs)
		case "source":
			return s.str(&m.Source)
		case "run_id":
			return s.str(&m.RunID)
		case "flow_parameters":
			return s.str(&m.FlowParameters)
		case "units":
			m.Units = []string{}
			return s.array(func() bool {
				v, ok := s.raw()
				m.Units = append(m.Units, v)
				return ok
			})
		case "params":
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
