package settings

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/internal/suggest"
)

// kind is how a setting's value is read.
type kind uint8

const (
	kindBool kind = iota + 1
	kindPath
	kindSerializer
	kindStorage
	kindLevel
	kindDuration // at least MinLeaseTTL
	kindFraction
	kindTimeout // at least 0; 0 means no limit
)

// spec describes one setting.
type spec struct {
	name string
	kind kind
	help string
}

// specs lists the settings a profile may hold, in display order.
func specs() []spec {
	return []spec{
		{PersistByDefault, kindBool, "persist every result unless a task or flow says persist=false"},
		{LocalStoragePath, kindPath, "base folder of local storage"},
		{DefaultSerializer, kindSerializer, "serializer used when none is set"},
		{DefaultStorage, kindStorage, "storage used when none is set"},
		{RefreshCache, kindBool, "recompute cached results and overwrite them"},
		{LoggingLevel, kindLevel, "least level of the run logs: DEBUG, INFO, WARNING or ERROR"},
		{LeaseTTL, kindDuration, "how long a serializable task's S3 lease outlives a dead holder (renewed every TTL/3; at least 1s)"},
		{LockWaitTimeout, kindTimeout, "longest wait for a key another process holds (serializable tasks, named runs); 0s, the default: no limit"},
		{ExplainMisses, kindBool, "on a cache miss, name what changed since the task's last record (one small index write per commit); unset: only when the run logs take DEBUG"},
		{VerifyHits, kindFraction, "fraction of cache hits (0 to 1) whose task is recomputed and compared with the record: a WARN names a differing field"},
		{EncryptResults, kindBool, "encrypt every persisted result (the keyring: RESULTGEN_KEYRING or RESULTGEN_KEYRING_FILE) unless a task or flow says encrypt=false"},
		{KeyringFile, kindPath, "file holding the keyring that encrypts results (id:base64key lines, '*' marks the current key)"},
	}
}

func lookupSpec(name string) (spec, bool) {
	for _, s := range specs() {
		if s.name == name {
			return s, true
		}
	}
	return spec{}, false
}

// Names returns the names of the settings a profile file may hold, in display
// order. RESULTGEN_HOME is not among them: it says where the profile is.
func Names() []string {
	var out []string
	for _, s := range specs() {
		out = append(out, s.name)
	}
	return out
}

// Help returns a one-line description of the setting name, or "" when name
// is not a setting.
func Help(name string) string {
	if name == Home {
		return "folder of config.toml and of the default local storage"
	}
	s, _ := lookupSpec(name)
	return s.help
}

// BuiltinSerializers returns the serializer names the runtime knows without
// registration.
func BuiltinSerializers() []string {
	return rules.SerializerSpellings()
}

// unknownSetting is the error for a key that is no setting.
func unknownSetting(name string) *Error {
	fix := "known settings: " + strings.Join(Names(), ", ")
	if name == Home {
		fix = "RESULTGEN_HOME says where the profile is, so it can only be set in the environment"
	} else if strings.HasPrefix(name, "AWS_") {
		fix = "S3 credentials and endpoints come from the standard AWS variables and files (~/.aws/credentials), never from resultgen's profile"
	} else if up := strings.ToUpper(name); up != name {
		if _, ok := lookupSpec(up); ok {
			fix = "setting names are upper case: " + up
		}
	} else if near := suggest.Closest(name, Names()); near != "" {
		fix = "did you mean " + near + "? " + fix
	}
	return &Error{Name: name, Err: ErrUnknownSetting, Fix: fix}
}

// ParseBool reads a boolean setting: true/false, 1/0, yes/no, on/off, in
// any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, invalid(ErrInvalidValue, "not a boolean")
}

const boolFix = "use true or false"

// checkValue validates raw as a value of the setting s and returns its
// normal form (booleans become "true"/"false"). Errors are *Error without a
// Source.
func checkValue(s spec, raw string) (string, error) {
	bad := func(err error, fix string) (string, error) {
		return "", &Error{Name: s.name, Value: raw, HasValue: true, Err: err, Fix: fix}
	}
	switch s.kind {
	case kindBool:
		b, err := ParseBool(raw)
		if err != nil {
			return bad(err, boolFix)
		}
		return strconv.FormatBool(b), nil
	case kindPath:
		if err := checkPath(raw); err != nil {
			return bad(err, "give a folder path: absolute, relative, or starting with ~/")
		}
		return raw, nil
	case kindSerializer:
		if err := checkSerializer(raw); err != nil {
			return bad(err, "use one of "+strings.Join(BuiltinSerializers(), ", ")+", or the name of a serializer registered in code")
		}
		return raw, nil
	case kindStorage:
		if err := CheckStorageSpec(raw); err != nil {
			return bad(err, "use local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug such as s3/prod")
		}
		return raw, nil
	case kindLevel:
		name, err := normalLevel(raw)
		if err != nil {
			return bad(err, levelFix)
		}
		return name, nil
	case kindDuration:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return bad(invalid(ErrInvalidValue, "not a duration"), durationFix)
		}
		if d < MinLeaseTTL {
			return bad(invalid(ErrInvalidValue, "shorter than %s", MinLeaseTTL), durationFix)
		}
		return d.String(), nil
	case kindFraction:
		f, err := ParseFraction(raw)
		if err != nil {
			return bad(err, fractionFix)
		}
		return formatFraction(f), nil
	case kindTimeout:
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return bad(invalid(ErrInvalidValue, "not a duration"), timeoutFix)
		}
		if d < 0 {
			return bad(invalid(ErrInvalidValue, "negative"), timeoutFix)
		}
		return d.String(), nil
	}
	return raw, nil
}

const fractionFix = "give a number from 0 to 1, such as 0.05 (one hit in twenty) or 1 (every hit); 0 turns it off"

// ParseFraction reads a fraction setting: a decimal number from 0 to 1.
// The error wraps ErrInvalidValue and says what is wrong.
func ParseFraction(s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, invalid(ErrInvalidValue, "not a number")
	}
	return f, CheckFraction(f)
}

// CheckFraction reports whether f is a fraction: a number from 0 to 1 (not
// NaN). The error wraps ErrInvalidValue.
func CheckFraction(f float64) error {
	if problem := rules.FractionProblem(f); problem != "" {
		return invalid(ErrInvalidValue, "%s", problem)
	}
	return nil
}

// formatFraction is a fraction's normal form: its shortest decimal.
func formatFraction(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// The logging levels, by their normal names.
var levels = map[string]slog.Level{
	"DEBUG":   slog.LevelDebug,
	"INFO":    slog.LevelInfo,
	"WARNING": slog.LevelWarn,
	"ERROR":   slog.LevelError,
}

const durationFix = "use a Go duration of at least 1s, such as 30s or 2m"

const timeoutFix = "use a Go duration such as 30s or 10m, or 0s for no limit"

const levelFix = "use DEBUG, INFO, WARNING (or WARN) or ERROR"

// normalLevel returns the normal name of a logging level given in any case,
// WARN being an alias of WARNING.
func normalLevel(s string) (string, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if name == "WARN" {
		name = "WARNING"
	}
	if _, ok := levels[name]; !ok {
		return "", invalid(ErrInvalidValue, "not a logging level")
	}
	return name, nil
}

// ParseLevel reads a RESULTGEN_LOGGING_LEVEL value: DEBUG, INFO, WARNING (or
// WARN) or ERROR, in any case.
func ParseLevel(s string) (slog.Level, error) {
	name, err := normalLevel(s)
	if err != nil {
		return 0, err
	}
	return levels[name], nil
}

var serializerName = regexp.MustCompile(`^(compressed/)?[A-Za-z][A-Za-z0-9_.-]*$`)

func checkSerializer(s string) error {
	if !serializerName.MatchString(s) {
		return invalid(ErrInvalidValue, "not a serializer name")
	}
	return nil
}

func checkPath(p string) error {
	switch {
	case strings.TrimSpace(p) == "":
		return invalid(ErrInvalidValue, "empty path")
	case strings.ContainsRune(p, 0):
		return invalid(ErrInvalidValue, "path contains a NUL byte")
	case strings.HasPrefix(p, "~") && p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "~"+string(filepath.Separator)):
		return invalid(ErrInvalidValue, "only ~ and ~/ are expanded, not ~user")
	}
	return nil
}

// CheckStorageSpec reports whether spec is a storage spec (package spec
// has the grammar): "local", "local:PATH", "memory", "s3://BUCKET/PREFIX" or
// a block slug "TYPE/NAME". The empty spec means the default and is valid.
// Whether a slug names a known block is checked where blocks are looked up,
// since blocks may be registered in code.
func CheckStorageSpec(s string) error {
	if _, err := rules.ParseStorage(s); err != nil {
		return invalid(ErrInvalidValue, "%s", err.(*rules.StorageError).Msg)
	}
	return nil
}

// CheckS3URL reports whether u is s3://BUCKET or s3://BUCKET/PREFIX (see
// package spec).
func CheckS3URL(u string) error {
	if _, _, err := rules.ParseS3URL(u); err != nil {
		return invalid(ErrInvalidValue, "%s", err.(*rules.StorageError).Msg)
	}
	return nil
}

// CheckEndpoint checks an S3 endpoint and the insecure setting that goes
// with it, with rules.ParseEndpoint and rules.Endpoint.PlainHTTP: HOST[:PORT]
// (TLS unless insecure), http://HOST[:PORT] (plain HTTP) or
// https://HOST[:PORT] (TLS). insecureSet tells an insecure = false written
// out from one left out: http:// with an explicit insecure = false, and
// https:// with insecure = true, are contradictions. The error wraps
// ErrInvalidValue and never holds credentials found in the endpoint.
func CheckEndpoint(endpoint string, insecure, insecureSet bool) error {
	ep, err := rules.ParseEndpoint(endpoint)
	if err == nil {
		_, err = ep.PlainHTTP(insecure, insecureSet || insecure)
	}
	if err != nil {
		var ee *rules.EndpointError
		if errors.As(err, &ee) {
			return invalid(ErrInvalidValue, "%s", ee.Reason)
		}
		return invalid(ErrInvalidValue, "%s", err)
	}
	return nil
}

// expandPath expands a leading ~ to homeDir and makes p absolute against
// base. checkPath(p) must have passed.
func expandPath(p, homeDir, base string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		if homeDir == "" {
			return "", invalid(ErrInvalidValue, "cannot expand ~: no home folder (HOME is not set)")
		}
		p = filepath.Join(homeDir, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p), nil
}

// homeDir returns the user's home folder: HOME from lookup, else
// os.UserHomeDir.
func homeDir(lookup func(string) (string, bool)) string {
	if h, ok := lookup("HOME"); ok && h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// ResolveHome returns the absolute resultgen home folder: $RESULTGEN_HOME
// (with ~ expanded, relative to the working directory) or ~/.resultgen.
func ResolveHome(lookup func(string) (string, bool)) (string, error) {
	hd := homeDir(lookup)
	if h, ok := lookup(Home); ok && h != "" {
		if err := checkPath(h); err != nil {
			return "", &Error{Name: Home, Source: string(FromEnv), Value: h, HasValue: true, Err: err, Fix: "give a folder path"}
		}
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("settings: resolve %s: %w", Home, err)
		}
		p, err := expandPath(h, hd, wd)
		if err != nil {
			return "", &Error{Name: Home, Source: string(FromEnv), Value: h, HasValue: true, Err: err, Fix: "give an absolute path"}
		}
		return p, nil
	}
	if hd == "" {
		return "", &Error{Name: Home, Err: invalid(ErrInvalidValue, "no home folder to put .resultgen in"), Fix: "set RESULTGEN_HOME or HOME"}
	}
	return filepath.Join(hd, ".resultgen"), nil
}
