//go:build !unix

package storage

import (
	"context"
	"os"
)

// Without flock, Local locks only exclude holders inside this process.
func flockWait(ctx context.Context, f *os.File) error { return ctx.Err() }

func funlock(f *os.File) error { return nil }
