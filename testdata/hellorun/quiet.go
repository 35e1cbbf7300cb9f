//go:build corpusrun

package main

import (
	"context"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/testdata/hello"
)

// quietCall calls HelloWorld through a copy of its wrapper with
// persist=false. This file is built into the program only (the corpus
// runner builds programs with -tags corpusrun): the generator, which loads
// the default build configuration, reads quiet_stub.go instead, so that
// the corpus is not loaded with the runtime from source.
func quietCall(ctx context.Context, name string) (string, error) {
	return hello.HelloWorldTask.WithOptions(runtime.Persist(false)).Call(ctx, name)
}
