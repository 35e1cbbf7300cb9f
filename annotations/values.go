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

	"github.com/resultgen/resultgen/runtime/storage"
)

var (
	builtinSerializers = []string{"msgpack", "json", "gob"}
	compressions       = []string{"zstd", "gzip", "zlib"}
	isolations         = []string{"read_committed", "serializable"}
	policyParts        = []string{"default", "none", "inputs", "task_source", "run_id", "flow_parameters"}
	defaultPolicy      = []string{"inputs", "task_source", "run_id"}
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
	if !it.hasValue && !boolKeys[it.key] {
		v.errorf(it.pos(), "%s needs a value: write %s=VALUE", it.key, it.key)
		return
	}

	b := it.base()
	val := it.value
	switch it.key {
	case "name":
		if val == "" {
			v.errorf(it.valuePos(), "name must not be empty")
			return
		}
		v.d.Name = &String{Item: b, Value: val}
	case "persist":
		if x, ok := v.boolean(it); ok {
			v.d.Persist = &Bool{Item: b, Value: x}
		}
	case "cache_in_memory":
		if x, ok := v.boolean(it); ok {
			v.d.CacheInMemory = &Bool{Item: b, Value: x}
		}
	case "refresh_cache":
		if x, ok := v.boolean(it); ok {
			v.d.RefreshCache = &Bool{Item: b, Value: x}
		}
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
	case "cache_expiration":
		if x, ok := v.duration(it); ok {
			v.d.CacheExpiration = &Duration{Item: b, Value: x}
		}
	case "retry_delay":
		if x, ok := v.duration(it); ok {
			v.d.RetryDelay = &Duration{Item: b, Value: x}
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

// boolKeys take true or false; written bare, a key means true.
var boolKeys = map[string]bool{"persist": true, "cache_in_memory": true, "refresh_cache": true}

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
	st := &Storage{Item: it.base(), Raw: raw}
	fail := func(off int, format string, args ...any) (*Storage, bool) {
		v.errorf(it.at(off), "invalid storage %q: "+format, append([]any{storage.Redact(raw)}, args...)...)
		return nil, false
	}
	const want = "want local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug TYPE/NAME"
	switch {
	case raw == "local":
		st.Scheme = "local"
	case strings.HasPrefix(raw, "local:"):
		if raw == "local:" {
			return fail(0, "local: needs a path, as local:PATH (or write local for the default path)")
		}
		st.Scheme, st.Path = "local", raw[len("local:"):]
	case raw == "memory":
		st.Scheme = "memory"
	case strings.HasPrefix(raw, "s3://"):
		const n = len("s3://")
		bucket, prefix, _ := strings.Cut(raw[n:], "/")
		if strings.Contains(bucket, "@") {
			return fail(n, "credentials do not belong in a storage spec; S3 credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) and files (~/.aws/credentials)")
		}
		if i := strings.IndexAny(raw, "?#"); i >= 0 {
			return fail(i, "an S3 URL has no query or fragment")
		}
		if off, msg := checkBucket(bucket); msg != "" {
			return fail(n+off, "%s", msg)
		}
		prefix = strings.TrimSuffix(prefix, "/")
		off := n + len(bucket) + 1
		for seg := range strings.SplitSeq(prefix, "/") {
			switch {
			case prefix == "":
			case seg == "":
				return fail(off, "empty path segment (//) in the prefix")
			case seg == "." || seg == "..":
				return fail(off, "%q segment in the prefix", seg)
			case strings.ContainsAny(seg, "\\\x00"):
				return fail(off, "backslash or NUL byte in the prefix")
			}
			off += len(seg) + 1
		}
		st.Scheme, st.Bucket, st.Prefix = "s3", bucket, prefix
		st.Path = bucket
		if prefix != "" {
			st.Path += "/" + prefix
		}
	case strings.Contains(raw, "://"):
		scheme, _, _ := strings.Cut(raw, "://")
		return fail(0, "unknown scheme %q: %s", scheme, want)
	case strings.HasPrefix(raw, "s3:"):
		return fail(0, "write s3://BUCKET/PREFIX")
	case strings.Contains(raw, "/"):
		typ, name, _ := strings.Cut(raw, "/")
		if !blockTypeRE.MatchString(typ) {
			return fail(0, "block type %q must be lowercase letters, digits and hyphens", typ)
		}
		if !blockNameRE.MatchString(name) {
			return fail(len(typ)+1, "block name %q must be letters, digits, '-', '_' and '.'", name)
		}
		st.Scheme, st.Path, st.BlockType, st.BlockName = "block", raw, typ, name
	default:
		return fail(0, "%s%s", want, didYouMean(raw, []string{"local", "memory"}))
	}
	return st, true
}

var (
	blockTypeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	blockNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
	ipv4RE      = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$`)
)

// checkBucket applies the S3 bucket naming rules. It returns the offset in
// name and a message, or "" when the name is valid.
func checkBucket(name string) (int, string) {
	switch {
	case name == "":
		return 0, "missing bucket name"
	case len(name) < 3 || len(name) > 63:
		return 0, fmt.Sprintf("bucket name %q must be 3 to 63 characters long", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return i, fmt.Sprintf("bucket name %q may hold only lowercase letters, digits, '.' and '-'", name)
		}
	}
	if !isAlnum(name[0]) || !isAlnum(name[len(name)-1]) {
		return 0, fmt.Sprintf("bucket name %q must start and end with a letter or digit", name)
	}
	if i := strings.Index(name, ".."); i >= 0 {
		return i, fmt.Sprintf("bucket name %q must not hold two adjacent periods", name)
	}
	if ipv4RE.MatchString(name) {
		return 0, fmt.Sprintf("bucket name %q must not look like an IP address", name)
	}
	for _, p := range []string{"xn--", "sthree-"} {
		if strings.HasPrefix(name, p) {
			return 0, fmt.Sprintf("bucket name %q must not start with %q", name, p)
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3"} {
		if strings.HasSuffix(name, s) {
			return len(name) - len(s), fmt.Sprintf("bucket name %q must not end with %q", name, s)
		}
	}
	return 0, ""
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func (v *validator) policy(it *item) (*Policy, bool) {
	raw := it.value
	p := &Policy{Item: it.base(), Raw: raw}
	ok := true
	fail := func(off int, format string, args ...any) {
		v.errorf(it.at(off), format, args...)
		ok = false
	}
	seen := map[string]bool{}
	dropped := map[string]bool{}
	noneOff, count := -1, 0
	off := 0
	for part := range strings.SplitSeq(raw, "+") {
		partOff := off
		off += len(part) + 1
		if part == "" {
			fail(max(partOff-1, 0), "empty part in cache_policy %q (a stray +)", raw)
			continue
		}
		count++
		name := part
		if rest, isDrop := strings.CutPrefix(part, "inputs-"); isDrop {
			name = "inputs"
			dOff := partOff + len("inputs-")
			for d := range strings.SplitSeq(rest, "-") {
				switch {
				case d == "":
					fail(max(dOff-1, 0), "missing parameter name after - in %q", part)
				case !token.IsIdentifier(d) || d == "_":
					fail(dOff, "invalid parameter name %q in %q: want a Go identifier", d, part)
				case dropped[d]:
					fail(dOff, "parameter %q dropped twice in cache_policy", d)
				default:
					dropped[d] = true
					p.Drop = append(p.Drop, d)
				}
				dOff += len(d) + 1
			}
		}
		if !slices.Contains(policyParts, name) {
			fail(partOff, "unknown cache policy %q%s: want %s joined with +, where inputs-NAME drops a parameter",
				part, didYouMean(part, policyParts), orList(policyParts))
			continue
		}
		if name == "none" {
			noneOff = partOff
		}
		switch {
		case seen[name] && name == "inputs":
			fail(partOff, "inputs given twice in cache_policy (drop several parameters with one inputs-a-b)")
			continue
		case seen[name]:
			fail(partOff, "duplicate %q in cache_policy", name)
			continue
		case name == "default":
			for _, q := range defaultPolicy {
				if seen[q] {
					fail(partOff, "default already includes %s", q)
				}
			}
		case slices.Contains(defaultPolicy, name) && seen["default"]:
			fail(partOff, "default already includes %s", name)
		}
		seen[name] = true
		p.Parts = append(p.Parts, name)
	}
	if noneOff >= 0 && count > 1 {
		fail(noneOff, "none cannot be combined with other cache policies")
	}
	return p, ok
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
			for _, off := range r.FieldOffsets {
				r.FieldPos = append(r.FieldPos, it.at(off))
			}
		}
	}
	return &Template{Item: it.base(), Raw: it.value, Parts: parts}, true
}
