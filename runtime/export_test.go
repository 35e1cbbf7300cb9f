package runtime

import "log/slog"

// WithLogHandler makes the engine log through h filtered at the settings'
// RESULTGEN_LOGGING_LEVEL, as the default engine does with slog.Default()'s
// handler, so tests can watch the filtering on a buffer.
func WithLogHandler(h slog.Handler) EngineOption {
	return func(e *Engine) { e.logBase = h }
}
