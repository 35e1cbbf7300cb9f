package rules

import "errors"

// The names of the settings the rules read (runtime/settings re-exports
// them with the others; they are also environment variables and keys of
// config.toml).
const (
	EnvPersistByDefault  = "RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"
	EnvDefaultSerializer = "RESULTGEN_RESULTS_DEFAULT_SERIALIZER"
	EnvDefaultStorage    = "RESULTGEN_DEFAULT_RESULT_STORAGE"
	EnvRefreshCache      = "RESULTGEN_TASKS_REFRESH_CACHE"
	EnvVerifyHits        = "RESULTGEN_VERIFY_HITS"
)

// ErrInvalidValue: a value has the wrong form (settings.ErrInvalidValue).
var ErrInvalidValue = errors.New("invalid value")

// Defaults are the global settings a run's settings resolve against
// (settings.Settings.Defaults).
type Defaults struct {
	PersistByDefault  bool    // RESULTGEN_RESULTS_PERSIST_BY_DEFAULT
	DefaultStorage    string  // RESULTGEN_DEFAULT_RESULT_STORAGE; "" means local
	DefaultSerializer string  // RESULTGEN_RESULTS_DEFAULT_SERIALIZER; "" means msgpack
	RefreshCache      bool    // RESULTGEN_TASKS_REFRESH_CACHE
	VerifyHits        float64 // RESULTGEN_VERIFY_HITS
	EncryptResults    bool    // RESULTGEN_ENCRYPT_RESULTS
}

// FractionProblem says what keeps f from being a fraction (a number from
// 0 to 1, not NaN), or "" when it is one.
func FractionProblem(f float64) string {
	switch {
	case f != f: // NaN
		return "not a number"
	case f < 0:
		return "below 0"
	case f > 1:
		return "above 1 (a fraction of the hits: 1 is every hit)"
	}
	return ""
}
