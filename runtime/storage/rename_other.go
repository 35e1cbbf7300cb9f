//go:build !linux

package storage

import "os"

// renameNoReplace: elsewhere than Linux, Put links and unlinks.
func renameNoReplace(*os.File, string, string) error { return errNoReplace }
