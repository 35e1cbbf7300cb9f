package record

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/appendjson"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Object metadata keys: Write copies the header into these so that stores
// which keep metadata (S3) answer Head from a stat call alone.
const (
	MetaVersion    = "resultgen-version"
	MetaSerializer = "resultgen-serializer" // serializer.Spec.String(); absent for literals
	MetaType       = "resultgen-type"
	MetaTask       = "resultgen-task"
	MetaFunc       = "resultgen-func"
	MetaTypeHash   = "resultgen-type-hash"
	MetaKey        = "resultgen-key"
	MetaCreated    = "resultgen-created" // RFC 3339, nanoseconds, UTC
	MetaExpires    = "resultgen-expires" // absent: never
	MetaLiteral    = "resultgen-literal"
	MetaLabels     = "resultgen-labels" // JSON object
	MetaWriter     = "resultgen-writer" // Meta.Writer; absent in older objects
	// MetaEncryption: "<cipher> <key id>" of a sealed record; absent in
	// the clear.
	MetaEncryption = "resultgen-encryption"
)

// escapeASCII percent-encodes '%', the space and every byte outside
// printable ASCII, so any string fits object metadata (HTTP headers on S3,
// which carry printable ASCII and lose spaces at either end of a value:
// a key " leading" must come back as itself). unescapeASCII reverses it,
// and reads values written before spaces were escaped as they are.
func escapeASCII(s string) string {
	const hexdig = "0123456789ABCDEF"
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] > 0x20 && s[i] <= 0x7e && s[i] != '%'
	}
	if plain {
		return s // most values: no copy (P5 S3 put 1 KiB built 17 strings byte by byte; see s3's encodeMetadata)
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c > 0x7e || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func unescapeASCII(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("bad escape in %q", s)
		}
		b.WriteByte(byte(v))
		i += 2
	}
	return b.String(), nil
}

// putMetadata is the PutOptions.Metadata to write m to st with: extra
// with the header fields of m added (objectMetadata), or extra as it is
// for Local storage, which keeps no metadata (see storage's package doc).
// Skipping it serves P2 (persisting 1 KiB locally, issue 21): the copy,
// its escaping and its labels' JSON were about 27k of the 150k
// instructions (callgrind) a first run's persist cost.
func putMetadata(st storage.Storage, m Meta, extra map[string]string) map[string]string {
	if _, local := st.(*storage.Local); local {
		return extra
	}
	return objectMetadata(m, extra)
}

// objectMetadata returns extra with the header fields of m added.
func objectMetadata(m Meta, extra map[string]string) map[string]string {
	md := make(map[string]string, len(extra)+13) // room for every field: no growing
	maps.Copy(md, extra)
	md[MetaVersion] = strconv.Itoa(writtenVersion(m))
	if m.Encryption != nil {
		md[MetaEncryption] = m.Encryption.Cipher + " " + m.Encryption.KeyID
	}
	if m.Writer != "" {
		md[MetaWriter] = escapeASCII(m.Writer)
	}
	if m.Serializer != nil {
		md[MetaSerializer] = escapeASCII(m.Serializer.String())
	}
	if m.Literal != nil {
		md[MetaLiteral] = *m.Literal
	}
	md[MetaType] = escapeASCII(m.GoType)
	md[MetaTask] = escapeASCII(m.Task)
	if m.Func != "" {
		md[MetaFunc] = escapeASCII(m.Func)
	}
	if m.TypeHash != "" {
		md[MetaTypeHash] = escapeASCII(m.TypeHash)
	}
	md[MetaKey] = escapeASCII(m.Key)
	md[MetaCreated] = m.Created.UTC().Format(time.RFC3339Nano)
	if !m.Expires.IsZero() {
		md[MetaExpires] = m.Expires.UTC().Format(time.RFC3339Nano)
	}
	if len(m.Labels) > 0 {
		md[MetaLabels] = escapeASCII(string(appendjson.Map(make([]byte, 0, 128), m.Labels))) // as json.Marshal writes it
	}
	return md
}

// metaFromObject rebuilds the header fields from object metadata. ok is
// false when md holds no record metadata; err when it is malformed.
func metaFromObject(md map[string]string) (m Meta, ok bool, err error) {
	get := func(k string) (string, bool) {
		if v, ok := md[k]; ok {
			return v, true
		}
		for mk, v := range md { // some stores canonicalize the case
			if strings.EqualFold(mk, k) {
				return v, true
			}
		}
		return "", false
	}
	v, ok := get(MetaVersion)
	if !ok {
		return Meta{}, false, nil
	}
	n, nerr := strconv.Atoi(v)
	if nerr != nil || !knownVersion(n) || v != strconv.Itoa(n) {
		return Meta{}, true, fmt.Errorf("%w: object metadata says version %q", ErrVersion, v)
	}
	m.Version = n
	str := func(k string) string {
		if err != nil {
			return ""
		}
		raw, _ := get(k)
		s, uerr := unescapeASCII(raw)
		if uerr != nil {
			err = fmt.Errorf("object metadata %s: %w", k, uerr)
		}
		return s
	}
	m.GoType, m.Task, m.Key = str(MetaType), str(MetaTask), str(MetaKey)
	m.Func, m.TypeHash = str(MetaFunc), str(MetaTypeHash)
	m.Writer = str(MetaWriter)
	if s := str(MetaSerializer); s != "" {
		spec, perr := serializer.ParseSpec(s)
		if perr != nil && err == nil {
			err = perr
		}
		m.Serializer = &spec
	}
	if lit, ok := get(MetaLiteral); ok {
		if !validLiteral(lit) {
			return Meta{}, true, fmt.Errorf("object metadata literal %q", lit)
		}
		m.Literal = &lit
	}
	if (m.Literal == nil) == (m.Serializer == nil) && err == nil {
		err = fmt.Errorf("object metadata needs exactly one of %s and %s", MetaSerializer, MetaLiteral)
	}
	for k, dst := range map[string]*time.Time{MetaCreated: &m.Created, MetaExpires: &m.Expires} {
		if s, ok := get(k); ok && err == nil {
			if *dst, err = time.Parse(time.RFC3339Nano, s); err != nil {
				err = fmt.Errorf("object metadata %s: %w", k, err)
			}
		}
	}
	if s := str(MetaLabels); s != "" && err == nil {
		if jerr := json.Unmarshal([]byte(s), &m.Labels); jerr != nil {
			err = fmt.Errorf("object metadata %s: %w", MetaLabels, jerr)
		}
	}
	if s, ok := get(MetaEncryption); ok && err == nil {
		c, id, _ := strings.Cut(s, " ")
		m.Encryption = &Encryption{Cipher: c, KeyID: id, Wrap: CipherWrap}
	}
	if err == nil {
		if serr := checkSealing(&m); serr != nil {
			err = fmt.Errorf("object metadata: %w", serr)
		}
	}
	if err != nil {
		return Meta{}, true, err
	}
	return m, true, nil
}
