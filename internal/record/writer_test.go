package record

import (
	"context"
	"runtime/debug"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The writer's version is resultgen's module version from the binary's
// build information: as the main module, as a dependency, through a
// replacement; "devel" where the build does not say.
func TestModuleVersion(t *testing.T) {
	dep := func(path, version string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: path, Version: version, Replace: replace}
	}
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"main module, tagged", debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "v1.4.0"}}, "v1.4.0"},
		{"main module, checkout", debug.BuildInfo{Main: debug.Module{Path: ModulePath, Version: "(devel)"}}, "devel"},
		{"a dependency", debug.BuildInfo{Main: debug.Module{Path: "example.com/app", Version: "(devel)"},
			Deps: []*debug.Module{dep("golang.org/x/tools", "v0.30.0", nil), dep(ModulePath, "v1.2.3", nil)}}, "v1.2.3"},
		{"a pseudo-version", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{dep(ModulePath, "v0.0.0-20261207161200-abcdef012345", nil)}}, "v0.0.0-20261207161200-abcdef012345"},
		{"replaced by a directory", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{dep(ModulePath, "v1.2.3", &debug.Module{Path: "../resultgen"})}}, "devel"},
		{"replaced by another version", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{dep(ModulePath, "v1.2.3", &debug.Module{Path: "example.com/fork", Version: "v1.2.4"})}}, "v1.2.4"},
		{"not linked in", debug.BuildInfo{Main: debug.Module{Path: "example.com/app"}}, "devel"},
	}
	for _, tt := range tests {
		if got := moduleVersion(&tt.bi); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Every record written keeps the writer's version in its header and in its
// object metadata (what Head answers from on S3), and reads it back;
// callers cannot set another.
func TestRecordsKeepTheWriterVersion(t *testing.T) {
	ctx := context.Background()
	v := WriterVersion()
	if v == "" {
		t.Fatal("WriterVersion is empty")
	}
	local, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []storage.Storage{storage.NewMemory(), local} {
		m := Meta{Task: "t", Writer: "v9.9.9", Created: time.Now()}
		for _, ser := range []serializer.Serializer{serializer.Msgpack(), serializer.JSON()} {
			wm, err := Write(ctx, st, "k-"+ser.Spec().String(), m, ser, []int{1}, storage.PutOptions{Size: -1})
			if err != nil {
				t.Fatal(err)
			}
			if wm.Writer != v {
				t.Errorf("%s %s: Write's meta says writer %q, want %q", st, ser.Spec(), wm.Writer, v)
			}
			got, err := ReadMeta(ctx, st, wm.Key)
			if err != nil || got.Writer != v {
				t.Errorf("%s %s: ReadMeta: writer %q, %v; want %q", st, ser.Spec(), got.Writer, err, v)
			}
			head, err := Head(ctx, st, wm.Key)
			if err != nil || head.Writer != v {
				t.Errorf("%s %s: Head: writer %q, %v; want %q", st, ser.Spec(), head.Writer, err, v)
			}
		}
		lm, err := WriteLiteral(ctx, st, "lit", m, "true", storage.PutOptions{Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ReadMeta(ctx, st, lm.Key); err != nil || got.Writer != v {
			t.Errorf("%s literal: writer %q, %v; want %q", st, got.Writer, err, v)
		}
	}
}
