package rules_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/rules"
)

// TestOneVocabulary fails when a name list of internal/rules is written
// out a second time in the module's code, where it would drift: a list
// literal holding two names of one list, or a constant spelling out one of
// the names only internal/rules may define.
func TestOneVocabulary(t *testing.T) {
	lists := map[string][]string{
		"serializers":  rules.SerializerSpellings(),
		"compressions": rules.Compressions(),
		"isolations":   rules.Isolations(),
		"cache policy parts": {rules.PolicyDefault, rules.PolicyNone, rules.PolicyInputs,
			rules.PolicyTaskSource, rules.PolicyRunID, rules.PolicyFlowParameters},
	}
	// Names no other constant may spell out ("json" or "none" may well
	// mean something else elsewhere).
	own := []string{rules.Zstd, rules.Gzip, rules.Zlib, rules.ReadCommitted, rules.Serializable,
		rules.PolicyTaskSource, rules.PolicyFlowParameters, rules.PolicyDefaults,
		rules.EnvPersistByDefault, rules.EnvDefaultSerializer, rules.EnvDefaultStorage,
		rules.EnvRefreshCache, rules.EnvVerifyHits,
		rules.EnvEncryptResults, rules.EnvKeyring, rules.EnvKeyringFile}
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if name == "testdata" || strings.HasPrefix(name, ".") && path != "../.." || path == filepath.Join("..", "..", "internal", "rules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || name == "result_gen.go" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				var words []string
				for _, e := range n.Elts {
					if s, ok := stringLit(e); ok {
						words = append(words, s)
					}
				}
				for list, names := range lists {
					if count(words, names) >= 2 {
						t.Errorf("%s: a list of %s written out again; use internal/rules'", fset.Position(n.Pos()), list)
					}
				}
			case *ast.ValueSpec:
				for _, v := range n.Values {
					if s, ok := stringLit(v); ok && slices.Contains(own, s) {
						t.Errorf("%s: constant %q defined again; use internal/rules'", fset.Position(v.Pos()), s)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func count(words, names []string) int {
	n := 0
	for _, w := range words {
		if slices.Contains(names, w) {
			n++
		}
	}
	return n
}
