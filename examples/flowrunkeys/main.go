// Command flowrunkeys stores a task's result under a key built from the
// metadata of the flow run that called it: the flow's name and the run's
// generated name, e.g. "greetings_brave-otter_hello.json". Every run of the
// flow writes a new record; records of one run sit side by side.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
)

// Hello greets name; its record is named after the calling flow run.
//
//result:task storage_key="{flow_run.flow_name}_{flow_run.name}_hello.json" serializer=json
func Hello(name string) string {
	return "hello " + name
}

// Greetings greets the world once per run.
//
//result:flow name=greetings
func Greetings(ctx context.Context) (string, error) {
	st := HelloTask.State(ctx, "world")
	msg, err := st.Result()
	if err != nil {
		return "", err
	}
	fmt.Printf("%s -> %s\n", msg, st.Location())
	return msg, nil
}

func main() {
	_, err := GreetingsFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "flowrunkeys:", err)
		os.Exit(1)
	}
}
