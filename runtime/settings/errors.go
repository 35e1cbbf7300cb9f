package settings

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/resultgen/resultgen/internal/rules"
)

// Sentinel errors. Every error LoadFrom, OpenProfile, ParseSlug and the
// Profile methods return about a setting, a block or the profile file is an
// *Error whose Unwrap yields one of these, so callers branch with errors.Is
// and print the *Error as is. The Check functions return the bare reason,
// wrapping a sentinel too.
var (
	// ErrInvalidValue: a value has the wrong form (a non-boolean for a
	// boolean setting, a bad storage spec, a bad block URL, ...).
	ErrInvalidValue = rules.ErrInvalidValue
	// ErrUnknownSetting: a key that is not one of the settings.
	ErrUnknownSetting = errors.New("unknown setting")
	// ErrInvalidSlug: a block slug that is not TYPE/NAME.
	ErrInvalidSlug = errors.New("invalid block slug")
	// ErrUnknownBlock: no block has the slug asked for.
	ErrUnknownBlock = errors.New("unknown block")
	// ErrBadProfile: the profile file cannot be read or is not valid TOML.
	ErrBadProfile = errors.New("bad profile file")
)

// Error reports a bad setting, block or profile file: what, where it came
// from, what is wrong and how to fix it.
type Error struct {
	// Name is the setting ("RESULTGEN_TASKS_REFRESH_CACHE"), the block field
	// (`blocks."s3/prod".url`) or the block slug concerned; "" when the whole
	// file is at fault.
	Name string
	// Source is "env" (string(FromEnv)) or the path of the profile file; "" for values given
	// directly (Profile.Set, Profile.SetBlock).
	Source string
	// Value is the offending value as given, when there is one.
	Value string
	// HasValue tells an empty Value from no value.
	HasValue bool
	// Err says what is wrong; it wraps one of the sentinel errors.
	Err error
	// Fix tells the user what to do.
	Fix string
}

func (e *Error) Error() string {
	var b []byte
	if e.Source != "" {
		if e.Source == string(FromEnv) {
			b = append(b, "environment: "...)
		} else {
			b = append(b, e.Source...)
			b = append(b, ": "...)
		}
	}
	if e.Name != "" {
		b = append(b, e.Name...)
		if e.HasValue {
			b = append(b, '=')
			b = strconv.AppendQuote(b, rules.Redact(e.Value))
		}
		b = append(b, ": "...)
	} else if e.HasValue {
		b = strconv.AppendQuote(b, rules.Redact(e.Value))
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	if e.Fix != "" {
		b = append(b, "; "...)
		b = append(b, e.Fix...)
	}
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

// invalid builds the Err of an *Error: the sentinel followed by a reason.
func invalid(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// withSource fills in the source of an *Error made without one.
func withSource(err error, source string) error {
	var e *Error
	if errors.As(err, &e) && e.Source == "" {
		c := *e
		c.Source = source
		return &c
	}
	return err
}
