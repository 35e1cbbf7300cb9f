package settings

import "os"

// osLookup reads the process environment; Load passes it to LoadFrom.
func osLookup(key string) (string, bool) { return os.LookupEnv(key) }
