package rules_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/resultgen/resultgen/"

// goList runs go list in the module's root with args.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	var lines []string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	return lines
}

// The compile-time half of resultgen (the generator, resultvet) links no
// store, serializer or engine: no minio-go, and of the runtime's packages
// only the settings, which review reads.
func TestCompileHalfLinksNoStore(t *testing.T) {
	for _, dep := range goList(t, "-deps", "./generator", "./cmd/resultvet") {
		// runtime/settings is allowed: review reads the machine's settings.
		if strings.HasPrefix(dep, "github.com/minio/") || strings.HasPrefix(dep, mod+"runtime") && dep != mod+"runtime/settings" {
			t.Errorf("the generator or resultvet links %s; the compile-time half must know the runtime only through internal/rules", dep)
		}
	}
}

// The import graph reads as floors: the vocabulary at the bottom does no
// I/O and imports nothing of the module but suggest; the runtime,
// annotations and review never import a floor above them.
func TestFloors(t *testing.T) {
	imports := map[string][]string{}
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		imports[strings.TrimPrefix(fields[0], mod)] = fields[1:]
	}
	own := func(pkg string) []string {
		var out []string
		for _, imp := range imports[pkg] {
			if rest, ok := strings.CutPrefix(imp, mod); ok {
				out = append(out, rest)
			}
		}
		return out
	}
	// I/O: the file system, processes, the network.
	io := []string{"os", "os/exec", "os/signal", "io/fs", "io/ioutil", "net", "net/http", "syscall", "path/filepath", "golang.org/x/sys/unix"}
	for _, imp := range imports["internal/rules"] {
		if slices.Contains(io, imp) || strings.HasPrefix(imp, "github.com/minio/") {
			t.Errorf("internal/rules imports %s: the vocabulary must do no I/O", imp)
		}
	}
	upper := map[string][]string{
		"internal/rules": {""}, // any package of the module but suggest
		"annotations":    {""},
		"runtime":        {"annotations", "internal/model", "internal/findings", "generator", "review", "cmd/"},
		"review":         {"generator", "cmd/"},
		"review/report":  {"generator", "review", "internal/model", "internal/findings", "runtime"},
	}
	allowed := map[string][]string{
		"internal/rules": {"internal/suggest"},
		"annotations":    {"internal/rules", "internal/suggest"},
	}
	for pkg, banned := range upper {
		if _, ok := imports[pkg]; !ok {
			t.Errorf("no package %s", pkg)
			continue
		}
		for _, imp := range own(pkg) {
			if slices.Contains(allowed[pkg], imp) {
				continue
			}
			for _, b := range banned {
				if b == "" || imp == strings.TrimSuffix(b, "/") || strings.HasPrefix(imp, b) && strings.HasSuffix(b, "/") || strings.HasPrefix(imp, b+"/") {
					t.Errorf("%s imports %s, a floor above it", pkg, imp)
				}
			}
		}
	}
}
