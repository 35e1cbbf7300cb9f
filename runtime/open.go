package runtime

import "github.com/resultgen/resultgen/runtime/storage"

// OpenStorage resolves a storage spec the way task settings do and returns
// the store: "" (the default storage), "local", "local:PATH", "memory",
// "s3://BUCKET/PREFIX" or a block slug "TYPE/NAME" (registered on e, else
// configured in the settings). Each spec is opened once per engine; Close
// releases the stores it opened. Tools such as `resultgen results` use it
// to reach the stores programs write to.
func (e *Engine) OpenStorage(spec string) (storage.Storage, error) { return e.openStorage(spec) }
