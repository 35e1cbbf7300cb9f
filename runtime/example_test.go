package runtime_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// A task persists its result at a storage key; later, any process opens the
// store by its spec and reads the result back with Reference.
func ExampleOpenStorage() {
	dir, err := os.MkdirTemp("", "resultgen-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// An engine whose local storage is dir, as RESULTGEN_LOCAL_STORAGE_PATH=dir
	// would give.
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: dir}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		log.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)

	// What the generated code of this task runs:
	//
	//	//result:task storage_key="greeting-ada"
	//	func Greet() string { return "hello, Ada" }
	greet := runtime.Invocation[string]{
		Def: &runtime.Def{Kind: runtime.KindTask, Name: "Greet", Func: "example.com/app.Greet",
			GoType: "string", Value: true, Config: runtime.Config{StorageKey: "greeting-ada"}},
		StorageKey: func(runtime.KeyContext) (string, error) { return "greeting-ada", nil },
		Body:       func(context.Context) (string, error) { return "hello, Ada", nil },
	}
	if _, err := runtime.Run(ctx, greet).Result(); err != nil {
		log.Fatal(err)
	}

	// Later, in this process or another one with the same settings.
	st, err := runtime.OpenStorage(ctx, "local")
	if err != nil {
		log.Fatal(err)
	}
	v, err := runtime.Reference[string](st, "greeting-ada").Get(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)
	// Output: hello, Ada
}
