// Command quickstart is resultgen's first example: a task whose result is
// persisted under a storage key built from its parameter, called three times
// by a flow. Run it twice: the second run loads every greeting from storage
// instead of computing it ("Cached").
//
//	go run ./cmd/resultgen ./examples/quickstart   # or: go generate ./examples/quickstart
//	go run ./examples/quickstart
//
// Results go to the local default storage, $RESULTGEN_LOCAL_STORAGE_PATH
// (~/.resultgen/storage unless configured).
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
)

// Hello greets name. Each name's greeting is stored in its own record,
// hello-NAME.json, in the local default storage.
//
//result:task storage_key="hello-{parameters[name]}.json" serializer=json
func Hello(name string) string {
	return "hello " + name
}

// Greet greets three names and returns the greetings.
//
//result:flow
func Greet(ctx context.Context) ([]string, error) {
	var out []string
	for _, name := range []string{"world", "foo", "bar"} {
		st := HelloTask.State(ctx, name)
		msg, err := st.Result()
		if err != nil {
			return nil, err
		}
		fmt.Printf("%-9s %-13q -> %s\n", st.Name(), msg, st.Location())
		out = append(out, msg)
	}
	return out, nil
}

func main() {
	msgs, err := GreetFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	fmt.Printf("flow greet returned %d greetings\n", len(msgs))
}
