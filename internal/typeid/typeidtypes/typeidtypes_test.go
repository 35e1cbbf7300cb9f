package typeidtypes_test

import (
	"go/types"
	"reflect"
	"sort"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/internal/typeid/internal/corpus"
	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
)

const corpusPath = "github.com/resultgen/resultgen/internal/typeid/internal/corpus"

// cases maps every non-generic type and alias declared in package corpus to
// its reflect.Type.
var cases = map[string]reflect.Type{
	"Basics":                  reflect.TypeFor[corpus.Basics](),
	"MyInt":                   reflect.TypeFor[corpus.MyInt](),
	"Bytes":                   reflect.TypeFor[corpus.Bytes](),
	"ByteSlice":               reflect.TypeFor[corpus.ByteSlice](),
	"RuneSlice":               reflect.TypeFor[corpus.RuneSlice](),
	"User":                    reflect.TypeFor[corpus.User](),
	"UserPtr":                 reflect.TypeFor[corpus.UserPtr](),
	"NamedUserPtr":            reflect.TypeFor[corpus.NamedUserPtr](),
	"UserAlias":               reflect.TypeFor[corpus.UserAlias](),
	"AliasOfAlias":            reflect.TypeFor[corpus.AliasOfAlias](),
	"StructBase":              reflect.TypeFor[corpus.StructBase](),
	"StructRenamed":           reflect.TypeFor[corpus.StructRenamed](),
	"StructRetyped":           reflect.TypeFor[corpus.StructRetyped](),
	"StructRetagged":          reflect.TypeFor[corpus.StructRetagged](),
	"StructExtra":             reflect.TypeFor[corpus.StructExtra](),
	"StructReordered":         reflect.TypeFor[corpus.StructReordered](),
	"StructOtherTagKey":       reflect.TypeFor[corpus.StructOtherTagKey](),
	"StructUnexportedChanged": reflect.TypeFor[corpus.StructUnexportedChanged](),
	"Maps":                    reflect.TypeFor[corpus.Maps](),
	"Arrays":                  reflect.TypeFor[corpus.Arrays](),
	"Base":                    reflect.TypeFor[corpus.Base](),
	"Meta":                    reflect.TypeFor[corpus.Meta](),
	"WithEmbed":               reflect.TypeFor[corpus.WithEmbed](),
	"Node":                    reflect.TypeFor[corpus.Node](),
	"A":                       reflect.TypeFor[corpus.A](),
	"B":                       reflect.TypeFor[corpus.B](),
	"Tree":                    reflect.TypeFor[corpus.Tree](),
	"StrMap":                  reflect.TypeFor[corpus.StrMap](),
	"F":                       reflect.TypeFor[corpus.F](),
	"I":                       reflect.TypeFor[corpus.I](),
	"Event":                   reflect.TypeFor[corpus.Event](),
	"Foreign":                 reflect.TypeFor[corpus.Foreign](),
	"Interfaces":              reflect.TypeFor[corpus.Interfaces](),
	"PairIntString":           reflect.TypeFor[corpus.PairIntString](),
	"PairUsers":               reflect.TypeFor[corpus.PairUsers](),
	"BoxOtherMap":             reflect.TypeFor[corpus.BoxOtherMap](),
	"BoxAnonStruct":           reflect.TypeFor[corpus.BoxAnonStruct](),
	"BoxAny":                  reflect.TypeFor[corpus.BoxAny](),
	"BoxError":                reflect.TypeFor[corpus.BoxError](),
	"BoxIface":                reflect.TypeFor[corpus.BoxIface](),
	"BoxFunc":                 reflect.TypeFor[corpus.BoxFunc](),
	"BoxFuncs":                reflect.TypeFor[corpus.BoxFuncs](),
	"BoxChan":                 reflect.TypeFor[corpus.BoxChan](),
	"BoxChans":                reflect.TypeFor[corpus.BoxChans](),
	"BoxArray":                reflect.TypeFor[corpus.BoxArray](),
	"BoxAlias":                reflect.TypeFor[corpus.BoxAlias](),
	"BoxByteRune":             reflect.TypeFor[corpus.BoxByteRune](),
	"BoxUnsafe":               reflect.TypeFor[corpus.BoxUnsafe](),
	"BoxEmpty":                reflect.TypeFor[corpus.BoxEmpty](),
	"OtherGeneric":            reflect.TypeFor[corpus.OtherGeneric](),
	"ListUser":                reflect.TypeFor[corpus.ListUser](),
	"NestedBox":               reflect.TypeFor[corpus.NestedBox](),
	"StrSet":                  reflect.TypeFor[corpus.StrSet](),
	"EmbedGeneric":            reflect.TypeFor[corpus.EmbedGeneric](),
	"EmbedAlias":              reflect.TypeFor[corpus.EmbedAlias](),
	"Index":                   reflect.TypeFor[corpus.Index](),
	"Tags":                    reflect.TypeFor[corpus.Tags](),
	"Funcs":                   reflect.TypeFor[corpus.Funcs](),
	"Nested":                  reflect.TypeFor[corpus.Nested](),
	"Unsafe":                  reflect.TypeFor[corpus.Unsafe](),
	"Twice":                   reflect.TypeFor[corpus.Twice](),
	"Empty":                   reflect.TypeFor[corpus.Empty](),
	"OnlyUnexported":          reflect.TypeFor[corpus.OnlyUnexported](),
	"IfaceReturnsStruct":      reflect.TypeFor[corpus.IfaceReturnsStruct](),
	"R1":                      reflect.TypeFor[corpus.R1](),
	"R2":                      reflect.TypeFor[corpus.R2](),
	"R3":                      reflect.TypeFor[corpus.R3](),
	"Visitor":                 reflect.TypeFor[corpus.Visitor](),
	"Expr":                    reflect.TypeFor[corpus.Expr](),
	"GTreeInt":                reflect.TypeFor[corpus.GTreeInt](),
	"EvenStr":                 reflect.TypeFor[corpus.EvenStr](),
	"SelfEmbed":               reflect.TypeFor[corpus.SelfEmbed](),
	"RecFuncMap":              reflect.TypeFor[corpus.RecFuncMap](),
	"Wrap":                    reflect.TypeFor[corpus.Wrap](),
}

var (
	loadOnce  sync.Once
	corpusPkg *types.Package
	loadErr   error
)

// loadCorpus type-checks package corpus with go/packages.
func loadCorpus(t *testing.T) *types.Scope {
	t.Helper()
	loadOnce.Do(func() {
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps}
		pkgs, err := packages.Load(cfg, corpusPath)
		if err != nil {
			loadErr = err
			return
		}
		if packages.PrintErrors(pkgs) > 0 {
			loadErr = errorString("corpus has errors")
			return
		}
		corpusPkg = pkgs[0].Types
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return corpusPkg.Scope()
}

type errorString string

func (e errorString) Error() string { return string(e) }

func lookup(t *testing.T, scope *types.Scope, name string) types.Type {
	t.Helper()
	obj, ok := scope.Lookup(name).(*types.TypeName)
	if !ok {
		t.Fatalf("corpus has no type %s", name)
	}
	return obj.Type()
}

func TestCorpusIsComplete(t *testing.T) {
	scope := loadCorpus(t)
	var missing []string
	for _, name := range scope.Names() {
		obj, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || !obj.Exported() {
			continue
		}
		switch tt := obj.Type().(type) {
		case *types.Named:
			if tt.TypeParams().Len() > 0 {
				continue
			}
		case *types.Alias:
			if tt.TypeParams().Len() > 0 {
				continue
			}
		}
		if _, ok := cases[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("corpus types not in cases: %v", missing)
	}
	if len(cases) < 30 {
		t.Errorf("only %d cases, want at least 30", len(cases))
	}
}

// TestReflectAndTypesAgree is the crucial test: for every corpus type, the
// fingerprint from go/types is the one from reflect.
func TestReflectAndTypesAgree(t *testing.T) {
	scope := loadCorpus(t)
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			fromReflect := typeid.OfReflect(cases[name])
			fromTypes := typeidtypes.OfType(lookup(t, scope, name))
			if fromReflect != fromTypes {
				t.Errorf("fingerprints differ\nreflect:  %s\ngo/types: %s", fromReflect, fromTypes)
			}
			if fromTypes.Canonical() == "" || fromTypes.Hash() == "" {
				t.Errorf("empty fingerprint %v", fromTypes)
			}
			t.Log(fromTypes.Canonical())
		})
	}
}

func TestTypeParameter(t *testing.T) {
	scope := loadCorpus(t)
	box := lookup(t, scope, "Box").(*types.Named)
	// Box's own field type is its type parameter T.
	field := box.Underlying().(*types.Struct).Field(0).Type()
	if got := typeidtypes.OfType(field).Canonical(); got != "invalid" {
		t.Errorf("type parameter: got %q, want %q", got, "invalid")
	}
	if got := typeidtypes.OfType(nil); !got.IsZero() {
		t.Errorf("OfType(nil) = %v, want the zero Fingerprint", got)
	}
}
