// Command hellorun runs the quickstart case (testdata/hello) against the
// real runtime: the value comes back, the record lands at the key the
// template names, the second call is served from it, and WithOptions
// returns a copy, leaving the package-level value as it was. It is a case
// of its own that calls the generated names of another package before
// they are generated: the generator reports nothing here and writes no
// file.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/resultgen/resultgen/testdata/hello"
)

// record tells whether the record of name is at its key.
func record(name string) bool {
	_, err := os.Stat(filepath.Join(os.Getenv("RESULTGEN_LOCAL_STORAGE_PATH"), "hello-"+name+".json"))
	return err == nil
}

func main() {
	ctx := context.Background()
	v, err := hello.HelloWorldTask.Call(ctx, "marvin")
	fmt.Printf("Call marvin: %q, %v; record at its key: %v\n", v, err, record("marvin"))
	st := hello.HelloWorldTask.State(ctx, "marvin")
	v, err = st.Result()
	fmt.Printf("State marvin: %q, %v; cached: %v\n", v, err, st.IsCached())
	v, err = hello.Greet(ctx)
	fmt.Printf("Greet: %q, %v\n", v, err)
	v, err = quietCall(ctx, "ford")
	fmt.Printf("persist=false copy, ford: %q, %v; record written: %v\n", v, err, record("ford"))
	v, err = hello.HelloWorldTask.Call(ctx, "ford")
	fmt.Printf("HelloWorldTask after WithOptions, ford: %q, %v; record written: %v\n", v, err, record("ford"))
	v, err = hello.GreetLoud(ctx)
	fmt.Printf("GreetLoud: %q, %v; record of trillian: %v\n", v, err, record("trillian"))
}
