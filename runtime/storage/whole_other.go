//go:build !linux

package storage

import "context"

// GetWhole: elsewhere than Linux, Get opens the file (ok is always false).
func (l *Local) GetWhole(context.Context, string, int64) ([]byte, Info, bool) {
	return nil, Info{}, false
}
