// Package settings resolves resultgen's global settings and named storage
// blocks: the environment first, then the profile file
// $RESULTGEN_HOME/config.toml, then defaults.
//
// # Settings
//
// Each setting is an environment variable of the same name and a top-level
// key of the profile file:
//
//	setting                               type      default                  meaning
//	RESULTGEN_RESULTS_PERSIST_BY_DEFAULT  bool      false                    persist every result unless persist=false
//	RESULTGEN_LOCAL_STORAGE_PATH          path      $RESULTGEN_HOME/storage  base folder of local storage
//	RESULTGEN_RESULTS_DEFAULT_SERIALIZER  string    msgpack                  msgpack, json, gob, compressed/<one of those>, or a registered name
//	RESULTGEN_DEFAULT_RESULT_STORAGE      string    "" (local)               local, local:PATH, memory, s3://BUCKET/PREFIX or a block slug
//	RESULTGEN_TASKS_REFRESH_CACHE         bool      false                    recompute cached results
//	RESULTGEN_LOGGING_LEVEL               level     WARNING                  least level of the runtime's run logs
//	RESULTGEN_LEASE_TTL                   duration  30s                      how long a dead holder's lease blocks a serializable key (see Leases)
//	RESULTGEN_LOCK_WAIT_TIMEOUT           duration  0s (no limit)            longest wait for a key another process holds (see Leases)
//	RESULTGEN_EXPLAIN_MISSES              bool      unset: at DEBUG          a cache miss names what changed since the task's last record (runtime.WithExplain); unset, it does when the run logs take DEBUG
//	RESULTGEN_VERIFY_HITS                 fraction  0                        recompute that fraction of cache hits and warn when the value differs (runtime.VerifyHits)
//	RESULTGEN_ENCRYPT_RESULTS             bool      false                    encrypt every persisted result unless encrypt=false (see Encryption)
//	RESULTGEN_KEYRING_FILE                path      "" (none)                a file holding the keyring (see Encryption)
//
// # Encryption
//
// RESULTGEN_KEYRING (environment only, never in the profile, never
// printed) holds the keys that encrypt results: "id:base64key[,id2:...]",
// 32-byte AES-256 keys, the first current unless one is marked "*id:...".
// RESULTGEN_KEYRING_FILE names a file holding the same (one entry a line,
// '#' comments); RESULTGEN_KEYRING wins when both are set. Settings.Keyring
// holds it parsed (nil: none). A bad keyring is an *Error that names the
// setting but never quotes its value.
//
// RESULTGEN_HOME (default ~/.resultgen) says where the profile is, so it is
// read from the environment only. HOME gives ~; without HOME the operating
// system's home folder is used.
//
// Rules:
//   - An environment variable set to the empty string counts as unset.
//   - Booleans are true/false, 1/0, yes/no or on/off, in any case.
//   - A level is DEBUG, INFO, WARNING (alias WARN) or ERROR, in any case;
//     Settings.LoggingLevel and the profile hold its upper-case name, WARN
//     read as WARNING.
//   - A duration is a Go duration ("30s", "1m30s"): a lease TTL of at
//     least 1s, a lock wait timeout of at least 0s (0s: no limit);
//     Settings.LeaseTTL, Settings.LockWaitTimeout and the profile hold its
//     normal form ("1m30s").
//   - A fraction is a decimal number from 0 to 1 ("0", "0.05", "1"); the
//     profile file also takes it as a TOML number (0.05). Settings.VerifyHits
//     holds it, and the profile its shortest form ("0.05").
//   - A path may start with ~ or ~/ (not ~user). A relative path in the
//     environment is relative to the working directory; a relative path in
//     the profile file is relative to the file's folder. Settings always
//     hold absolute, cleaned paths.
//   - A bad value is an *Error naming the setting, where it came from (the
//     environment or the file's path), what is wrong and the fix; it wraps
//     ErrInvalidValue, ErrUnknownSetting, ErrInvalidSlug or ErrBadProfile. A
//     missing profile file is not an error; an unknown key in it is.
//   - Settings.Sources tells, for each setting and for RESULTGEN_HOME, whether
//     its value came from FromEnv, FromProfile or FromDefault.
//
// # Logging
//
// The runtime is quiet by default: its run logs go to the handler of
// slog.Default() filtered at RESULTGEN_LOGGING_LEVEL (Settings.Level), so at
// the default WARNING a successful run prints nothing, while retries and
// failed runs still do. At INFO each run prints one line when it finishes,
// with its state, persist reason and location; DEBUG adds a line when it
// starts. That handler keeps its own level too: the standard default handler
// drops DEBUG records unless slog.SetLogLoggerLevel(slog.LevelDebug) is
// called. A program that passes its own logger (runtime.WithLogger) gets
// every record, unfiltered by this setting.
//
// # Leases
//
// An isolation=serializable task on a store that locks across processes
// with leases (S3) holds a lease on its key while it computes, renewed
// every RESULTGEN_LEASE_TTL/3. A holder that dies (killed, crashed, cut
// off) stops renewing, so the next process takes the key over at most one
// TTL later; a shorter TTL means a quicker takeover, a longer one tolerates
// longer stalls and clock differences between machines. Every lease object
// records its own expiry, so processes sharing a store need not agree on
// the TTL. Local storage uses file locks, which die with their process and
// need no TTL. A process that waits for a key another process holds says
// so once at WARN after a few seconds (who holds it: pid, host, since when);
// RESULTGEN_LOCK_WAIT_TIMEOUT bounds the wait, after which the run fails
// with runtime.ErrLockTimeout naming the holder. By default a waiter waits
// as long as the holder holds: a holder computing for an hour is no fault,
// a dead one releases its lock (local) or stops renewing its lease (S3),
// and only a stopped or hung holder keeps it for ever.
//
// # The profile file
//
// config.toml is TOML. Top-level keys are setting names with string values;
// boolean settings also take TOML booleans, and fractions TOML numbers. Named storage blocks are tables
// whose header quotes the slug TYPE/NAME, TYPE being s3 or local and NAME
// matching [a-z0-9][a-z0-9._-]*:
//
//	RESULTGEN_RESULTS_PERSIST_BY_DEFAULT = true
//	RESULTGEN_DEFAULT_RESULT_STORAGE = "s3/prod"
//
//	[blocks."s3/prod"]
//	url = "s3://results/team-a"       # required: s3://BUCKET[/PREFIX]
//	endpoint = "http://minio:9000"    # optional: http://, https:// or bare HOST[:PORT]
//	region = "us-east-1"              # optional
//	insecure = true                   # optional: plain HTTP for a bare endpoint
//	sse = "kms:my-key"                # optional: server-side encryption: s3, kms or kms:KEYID
//
//	[blocks."local/scratch"]
//	path = "/srv/scratch"             # required
//
// A local block's path is kept in Block.URL. Credentials are never read from
// the profile: a block field that looks like one (secret_key, ...) is
// refused. S3 credentials come from the standard AWS variables and files.
//
// # Use
//
// The runtime calls Load once per process and looks blocks up with
// Settings.Block. The CLI edits the file through Profile: OpenProfile, then
// Set, Unset, SetBlock, RemoveBlock, and Save, which writes atomically
// (temporary file and rename, mode 0600, folder 0700). Save keeps every
// value but not comments or key order.
package settings

import (
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/resultgen/resultgen/internal/keyring"
	"github.com/resultgen/resultgen/internal/rules"
)

// Names of the settings (they are also the environment variables and the keys
// of config.toml).
const (
	PersistByDefault  = rules.EnvPersistByDefault
	LocalStoragePath  = "RESULTGEN_LOCAL_STORAGE_PATH"
	DefaultSerializer = rules.EnvDefaultSerializer
	DefaultStorage    = rules.EnvDefaultStorage
	RefreshCache      = rules.EnvRefreshCache
	LoggingLevel      = "RESULTGEN_LOGGING_LEVEL"
	LeaseTTL          = "RESULTGEN_LEASE_TTL"
	LockWaitTimeout   = "RESULTGEN_LOCK_WAIT_TIMEOUT"
	ExplainMisses     = "RESULTGEN_EXPLAIN_MISSES"
	VerifyHits        = rules.EnvVerifyHits
	EncryptResults    = rules.EnvEncryptResults
	KeyringFile       = rules.EnvKeyringFile
	Keyring           = rules.EnvKeyring // environment only
	Home              = "RESULTGEN_HOME"
)

// Settings are the values in force.
type Settings struct {
	Home              string // $RESULTGEN_HOME or ~/.resultgen
	PersistByDefault  bool
	LocalStoragePath  string // absolute
	DefaultSerializer string // "msgpack"
	DefaultStorage    string // "" means local
	RefreshCache      bool
	LoggingLevel      string           // "DEBUG", "INFO", "WARNING" or "ERROR"; "" means WARNING
	LeaseTTL          time.Duration    // 0 means DefaultLeaseTTL
	LockWaitTimeout   time.Duration    // longest wait for a held key; 0 means no limit
	ExplainMisses     bool             // explain cache misses against the task's last record (see ExplainMissesSet)
	VerifyHits        float64          // fraction of cache hits recomputed and compared, 0 to 1 (runtime.VerifyHits)
	Blocks            map[string]Block // by slug "TYPE/NAME"
	EncryptResults    bool             // encrypt every persisted result unless encrypt=false
	KeyringFile       string           // absolute; "" means none
	// Keyring is RESULTGEN_KEYRING, else the keyring in KeyringFile;
	// nil when neither is set. It never prints its keys.
	Keyring *keyring.Keyring

	// Profile is the path of the profile file (which may not exist).
	Profile string
	// Sources tells where each setting's value came from, by setting name
	// (RESULTGEN_HOME included).
	Sources map[string]Source
}

// Block is a named storage configured in config.toml.
type Block struct {
	Slug     string // "s3/prod", "local/scratch"
	URL      string // "s3://bucket/prefix" or a local path
	Endpoint string // S3 endpoint, optional: HOST[:PORT], http://HOST[:PORT] or https://HOST[:PORT] (see CheckEndpoint)
	Region   string
	Insecure bool // plain HTTP for a bare endpoint; contradicts an https:// one
	// SSE is the server-side encryption the store asks for on every write:
	// "s3" (SSE-S3), "kms" (SSE-KMS, the server's default key),
	// "kms:KEYID" or "c" (SSE-C: the customer key, from the environment
	// only, goes with every write and read); "" leaves it to the bucket's
	// default. See CheckSSE.
	SSE string
}

// Source is where a setting's value came from.
type Source string

const (
	FromEnv     Source = "env"
	FromProfile Source = "profile"
	FromDefault Source = "default"
)

// Defaults are the settings a run's own settings resolve against
// (rules.Resolve).
func (s Settings) Defaults() rules.Defaults {
	return rules.Defaults{
		PersistByDefault:  s.PersistByDefault,
		DefaultStorage:    s.DefaultStorage,
		DefaultSerializer: s.DefaultSerializer,
		RefreshCache:      s.RefreshCache,
		VerifyHits:        s.VerifyHits,
		EncryptResults:    s.EncryptResults,
	}
}

// Load reads the settings from the process environment and profile file.
func Load() (Settings, error) { return LoadFrom(osLookup) }

// LoadFrom is Load with an explicit environment lookup, for tests.
func LoadFrom(lookup func(string) (string, bool)) (Settings, error) {
	home, err := ResolveHome(lookup)
	if err != nil {
		return Settings{}, err
	}
	prof, err := OpenProfile(home)
	if err != nil {
		return Settings{}, err
	}
	return Resolve(lookup, home, prof)
}

// Resolve computes the settings in force from the environment lookup, the
// home folder and its profile (as OpenProfile returned it).
func Resolve(lookup func(string) (string, bool), home string, prof *Profile) (Settings, error) {
	s := Settings{
		Home:              home,
		Profile:           prof.Path(),
		LocalStoragePath:  filepath.Join(home, "storage"),
		DefaultSerializer: "msgpack",
		LoggingLevel:      "WARNING",
		LeaseTTL:          DefaultLeaseTTL,
		Blocks:            map[string]Block{},
		Sources:           map[string]Source{Home: FromDefault},
	}
	if v, ok := lookup(Home); ok && v != "" {
		s.Sources[Home] = FromEnv
	}
	hd := homeDir(lookup)
	profDir := filepath.Dir(prof.Path())
	for _, sp := range specs() {
		raw, src, base := "", FromDefault, ""
		if v, ok := lookup(sp.name); ok && v != "" {
			norm, err := checkValue(sp, v)
			if err != nil {
				return Settings{}, withFix(withSource(err, string(FromEnv)), "or unset the variable")
			}
			raw, src = norm, FromEnv
			wd, err := os.Getwd()
			if err != nil {
				return Settings{}, fmt.Errorf("settings: %w", err)
			}
			base = wd
		} else if v, ok := prof.Get(sp.name); ok {
			raw, src, base = v, FromProfile, profDir
		}
		s.Sources[sp.name] = src
		if src == FromDefault {
			continue
		}
		switch sp.name {
		case PersistByDefault:
			s.PersistByDefault = raw == "true"
		case RefreshCache:
			s.RefreshCache = raw == "true"
		case ExplainMisses:
			s.ExplainMisses = raw == "true"
		case EncryptResults:
			s.EncryptResults = raw == "true"
		case KeyringFile:
			p, err := expandPath(raw, hd, base)
			if err != nil {
				return Settings{}, &Error{Name: sp.name, Source: string(src), Value: raw, HasValue: true, Err: err, Fix: "give an absolute path, or set HOME"}
			}
			s.KeyringFile = p
		case LocalStoragePath:
			p, err := expandPath(raw, hd, base)
			if err != nil {
				source := prof.Path()
				if src == FromEnv {
					source = string(FromEnv)
				}
				return Settings{}, &Error{Name: sp.name, Source: source, Value: raw, HasValue: true, Err: err, Fix: "give an absolute path, or set HOME"}
			}
			s.LocalStoragePath = p
		case DefaultSerializer:
			s.DefaultSerializer = raw
		case DefaultStorage:
			s.DefaultStorage = raw
		case LoggingLevel:
			s.LoggingLevel = raw
		case LeaseTTL:
			s.LeaseTTL, _ = time.ParseDuration(raw) // checked by checkValue
		case VerifyHits:
			s.VerifyHits, _ = strconv.ParseFloat(raw, 64) // checked by checkValue
		case LockWaitTimeout:
			s.LockWaitTimeout, _ = time.ParseDuration(raw) // checked by checkValue
		}
	}
	for _, b := range prof.Blocks() {
		if b.Type() == BlockLocal {
			p, err := expandPath(b.URL, hd, profDir)
			if err != nil {
				return Settings{}, &Error{Name: `blocks."` + b.Slug + `".path`, Source: prof.Path(), Value: b.URL, HasValue: true, Err: err, Fix: "give an absolute path, or set HOME"}
			}
			b.URL = p
		}
		s.Blocks[b.Slug] = b
	}
	kr, err := loadKeyring(lookup, s.KeyringFile)
	if err != nil {
		return Settings{}, err
	}
	s.Keyring = kr
	if kr != nil {
		s.Sources[Keyring] = FromEnv
	}
	return s, nil
}

// Block returns the configured block with the slug. An unknown slug gives an
// *Error wrapping ErrUnknownBlock that names the known blocks; a malformed one
// wraps ErrInvalidSlug.
func (s Settings) Block(slug string) (Block, error) {
	if _, _, err := ParseSlug(slug); err != nil {
		return Block{}, err
	}
	b, ok := s.Blocks[slug]
	if !ok {
		return Block{}, unknownBlock(slug, slices.Collect(maps.Keys(s.Blocks)))
	}
	return b, nil
}

// ExplainMissesSet reports whether RESULTGEN_EXPLAIN_MISSES was set (in the
// environment or the profile): then ExplainMisses decides; unset, the
// runtime explains misses only when its run logs take DEBUG.
func (s Settings) ExplainMissesSet() bool {
	src := s.Sources[ExplainMisses]
	return src == FromEnv || src == FromProfile
}

// Level returns RESULTGEN_LOGGING_LEVEL as a slog level; an empty or
// unknown LoggingLevel (a Settings made in code) means WARNING.
func (s Settings) Level() slog.Level {
	l, err := ParseLevel(s.LoggingLevel)
	if err != nil {
		return slog.LevelWarn
	}
	return l
}

// DefaultLeaseTTL is RESULTGEN_LEASE_TTL's default.
const DefaultLeaseTTL = 30 * time.Second

// MinLeaseTTL is the shortest RESULTGEN_LEASE_TTL: below it renewals (every
// TTL/3) would race the requests' own latency.
const MinLeaseTTL = time.Second

// Lease returns RESULTGEN_LEASE_TTL; a zero LeaseTTL (a Settings made in
// code) means DefaultLeaseTTL.
func (s Settings) Lease() time.Duration {
	if s.LeaseTTL <= 0 {
		return DefaultLeaseTTL
	}
	return s.LeaseTTL
}

// Value returns the value in force of the setting name (RESULTGEN_HOME
// included) as text, and its source. Booleans read "true" or "false", the
// logging level its upper-case name, durations their Go form ("0s": no
// lock wait timeout), a fraction its shortest decimal form ("0.05"); an unset
// RESULTGEN_DEFAULT_RESULT_STORAGE reads "". Unknown names give ("", "").
func (s Settings) Value(name string) (string, Source) {
	var v string
	switch name {
	case Home:
		v = s.Home
	case PersistByDefault:
		v = strconv.FormatBool(s.PersistByDefault)
	case LocalStoragePath:
		v = s.LocalStoragePath
	case DefaultSerializer:
		v = s.DefaultSerializer
	case DefaultStorage:
		v = s.DefaultStorage
	case RefreshCache:
		v = strconv.FormatBool(s.RefreshCache)
	case ExplainMisses:
		v = strconv.FormatBool(s.ExplainMisses)
	case LoggingLevel:
		v = s.LoggingLevel
		if v == "" {
			v = "WARNING"
		}
	case LeaseTTL:
		v = s.Lease().String()
	case VerifyHits:
		v = formatFraction(s.VerifyHits)
	case LockWaitTimeout:
		v = max(s.LockWaitTimeout, 0).String()
	case EncryptResults:
		v = strconv.FormatBool(s.EncryptResults)
	case KeyringFile:
		v = s.KeyringFile
	default:
		return "", ""
	}
	return v, s.Sources[name]
}
