//go:build !corpusrun

package main

import (
	"context"
	"errors"
)

// quietCall is what the generator sees of quiet.go: the program is built
// with -tags corpusrun.
func quietCall(context.Context, string) (string, error) {
	return "", errors.New("hellorun: built without -tags corpusrun, so quietCall is missing; build it as generator's TestSweepCorpus does")
}
