// Package hello is the quickstart: a task whose storage key names its
// parameter.
package hello

import "context"

// HelloWorld greets name.
//
//result:task storage_key="hello-{parameters[name]}.json"
func HelloWorld(ctx context.Context, name string) (string, error) {
	return "hello " + name, nil
}

// Greet already calls the wrapper that is not generated yet.
func Greet(ctx context.Context) (string, error) {
	return HelloWorldTask.Call(ctx, "marvin")
}

// GreetLoud uses the call forms users type every day: a call in an if
// header, and WithOptions, which leaves HelloWorldTask as it was.
func GreetLoud(ctx context.Context) (string, error) {
	if v, err := HelloWorldTask.Call(ctx, "trillian"); err != nil {
		return v, err
	}
	quiet := HelloWorldTask.WithOptions()
	return quiet.Call(ctx, "zaphod")
}
