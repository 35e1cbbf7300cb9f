// Package appendjson writes JSON strings and string maps byte for byte as
// encoding/json does (with its HTML escaping), appending to a buffer,
// without reflection: the record header's writer and the S3 store's packed
// object metadata both use it, on the path of every persisted result (P2
// and P5 of make bench). Tests check it against encoding/json.
package appendjson

import (
	"slices"
	"unicode/utf8"
)

// Map appends m as a JSON object, its keys in encoding/json's order:
// sorted by their bytes, before escaping. A nil m is "{}", where
// encoding/json writes null.
func Map(b []byte, m map[string]string) []byte {
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
		b = String(b, k)
		b = append(b, ':')
		b = String(b, m[k])
	}
	return append(b, '}')
}

// String appends s quoted as encoding/json does with HTML
// escaping on: `"` and `\` escaped, \b \f \n \r \t by name, other control
// characters and <, > and & as \u00XX (lowercase hex), U+2028 and U+2029
// as \u2028 and \u2029, each byte of invalid UTF-8 as \ufffd; everything
// else as it is.
func String(b []byte, s string) []byte {
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
