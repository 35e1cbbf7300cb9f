package runtime

import "log/slog"

// WithLogHandler makes the engine log through h filtered at the settings'
// RESULTGEN_LOGGING_LEVEL, as the default engine does with slog.Default()'s
// handler, so tests can watch the filtering on a buffer.
func WithLogHandler(h slog.Handler) EngineOption {
	return func(e *Engine) { e.logBase = h }
}

// TrustTypes marks d's types as checked: a test's Def may stand for the
// generated code of another build (one that wrote a record of another
// result type), whose fingerprint the test's R does not have.
func TrustTypes(d *Def) *Def {
	d.checked.Store(&defCheck{})
	return d
}
