package runtime_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// newEngine returns a context carrying an engine whose settings come from
// vars (over a temporary RESULTGEN_HOME and local storage path), and the local
// storage folder. Its logs are discarded unless opts set a logger.
func newEngine(t testing.TB, vars map[string]string, opts ...runtime.EngineOption) (context.Context, *runtime.Engine, string) {
	t.Helper()
	all := append([]runtime.EngineOption{runtime.WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	return newEngineLogging(t, vars, all...)
}

// newEngineLogging is newEngine keeping the engine's own logger: the handler
// of slog.Default() filtered at RESULTGEN_LOGGING_LEVEL, unless opts set one.
func newEngineLogging(t testing.TB, vars map[string]string, opts ...runtime.EngineOption) (context.Context, *runtime.Engine, string) {
	t.Helper()
	dir := t.TempDir()
	local := filepath.Join(dir, "storage")
	env := map[string]string{
		settings.Home:             filepath.Join(dir, "home"),
		settings.LocalStoragePath: local,
	}
	maps.Copy(env, vars)
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("load settings: %v", err)
	}
	e := runtime.NewEngine(s, opts...)
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close engine: %v", err)
		}
	})
	return runtime.WithEngine(context.Background(), e), e, local
}

// files lists the record files under dir, relative and sorted; hidden
// entries (temporary files, lock files) are left out.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	slices.Sort(out)
	return out
}

// task is a hand-written stand-in for a generated task or flow type with no
// parameters: the same Invocation the generator emits.
type task[R any] struct {
	def   *runtime.Def
	opts  []runtime.Option
	calls *atomic.Int64
	body  func(ctx context.Context) (R, error)
	key   string // a fixed storage key, as a compiled template without fields renders
}

func newTask[R any](def *runtime.Def, body func(ctx context.Context) (R, error)) task[R] {
	return task[R]{def: def, calls: new(atomic.Int64), body: body}
}

func (t task[R]) WithOptions(opts ...runtime.Option) task[R] {
	t.opts = append(slices.Clip(t.opts), opts...)
	return t
}

func (t task[R]) inv() runtime.Invocation[R] {
	inv := runtime.Invocation[R]{
		Def:     t.def,
		Options: t.opts,
		Body: func(ctx context.Context) (R, error) {
			t.calls.Add(1)
			return t.body(ctx)
		},
	}
	if t.key != "" {
		inv.StorageKey = func(runtime.KeyContext) (string, error) { return t.key, nil }
	}
	return inv
}

func (t task[R]) Call(ctx context.Context) (R, error)         { return runtime.Run(ctx, t.inv()).Result() }
func (t task[R]) State(ctx context.Context) *runtime.State[R] { return runtime.Run(ctx, t.inv()) }
func (t task[R]) Submit(ctx context.Context) *runtime.Future[R] {
	return runtime.Submit(ctx, t.inv())
}

func taskDef(name string, value bool, cfg runtime.Config) *runtime.Def {
	goType := ""
	if value {
		goType = "int"
	}
	return &runtime.Def{
		Kind: runtime.KindTask, Name: name, Func: "example.com/app." + name,
		Source: "sha256:" + name, GoType: goType, Value: value, Config: cfg,
	}
}

func flowDef(name string, value bool, cfg runtime.Config) *runtime.Def {
	d := taskDef(name, value, cfg)
	d.Kind = runtime.KindFlow
	return d
}

func ptr[T any](v T) *T { return &v }

// hello is the seeds' hello_world(name) task with
// storage_key="hello-{parameters[name]}.json", written as generated code.
var helloDef = &runtime.Def{
	Kind: runtime.KindTask, Name: "hello_world", Func: "example.com/app.HelloWorld",
	Source: "sha256:hello", Params: []string{"name"}, GoType: "string", Value: true,
	Config: runtime.Config{StorageKey: "hello-{parameters[name]}.json"},
}

type helloTask struct {
	opts  []runtime.Option
	calls *atomic.Int64
}

func (t helloTask) inv(name string) runtime.Invocation[string] {
	return runtime.Invocation[string]{
		Def:     helloDef,
		Options: t.opts,
		Inputs: func(h *runtime.Hasher) error {
			if h.Param("name") {
				h.String(name)
			}
			return nil
		},
		StorageKey: func(k runtime.KeyContext) (string, error) {
			return "hello-" + runtime.KeyValue(name) + ".json", nil
		},
		Body: func(ctx context.Context) (string, error) {
			t.calls.Add(1)
			return "hello " + name, nil
		},
	}
}

func (t helloTask) State(ctx context.Context, name string) *runtime.State[string] {
	return runtime.Run(ctx, t.inv(name))
}

// clock is a settable engine clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (slog handlers).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func slogText(w *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
