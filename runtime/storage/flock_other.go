//go:build !unix

package storage

import (
	"context"
	"os"
)

// Without flock, Local locks only exclude holders inside this process.
func flockWait(ctx context.Context, f *os.File, busy func()) error { return ctx.Err() }

func funlock(f *os.File) error { return nil }

func tryFlock(f *os.File) (bool, error) { return true, nil }

// processAlive cannot tell here: temporary files are judged by age alone.
func processAlive(pid int) bool { return false }
