package runtime

import (
	"context"

	"github.com/resultgen/resultgen/runtime/storage"
)

// OpenStorage opens the store a storage spec names, on the engine of ctx:
// the one WithEngine put there, else DefaultEngine, as Run and Submit
// choose. The spec is what a storage directive takes: "" (the default
// storage: RESULTGEN_DEFAULT_RESULT_STORAGE, else "local"), "local"
// (RESULTGEN_LOCAL_STORAGE_PATH), "local:PATH", "memory" (the engine's own
// in-memory store), "s3://BUCKET/PREFIX" or a block slug "TYPE/NAME"
// (registered with RegisterStorage, else configured in config.toml). A bad
// or unknown spec is an error naming it. Each spec is opened once per
// engine and stays open until the engine's Close; do not close the store
// yourself.
//
// With Reference it reads a stored result back from any process, another
// run or another day: a task whose directive says
// storage_key="report-{parameters[day]}" writes its record at that key, and
// a program sharing the settings (or naming the same store) reads it with
//
//	st, err := runtime.OpenStorage(ctx, "s3/prod")
//	if err != nil {
//		return err
//	}
//	report, err := runtime.Reference[Report](st, "report-2024-05-01").Get(ctx)
//
// Reference reads nothing until Get, which reads and checks the record and
// decodes it into the type given.
func OpenStorage(ctx context.Context, spec string) (storage.Storage, error) {
	e := engineFrom(ctx)
	if e.err != nil {
		return nil, e.err
	}
	return e.openStorage(spec)
}

// OpenStorage resolves a storage spec the way task settings do and returns
// the store: "" (the default storage), "local", "local:PATH", "memory",
// "s3://BUCKET/PREFIX" or a block slug "TYPE/NAME" (registered on e, else
// configured in the settings). Each spec is opened once per engine; Close
// releases the stores it opened. Tools such as `resultgen results` use it
// to reach the stores programs write to. Code holding a context uses the
// package-level OpenStorage.
func (e *Engine) OpenStorage(spec string) (storage.Storage, error) { return e.openStorage(spec) }
