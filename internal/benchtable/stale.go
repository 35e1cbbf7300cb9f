package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/modtest"
)

// staleFiles is how many files P7's package holds.
const staleFiles = 50

// writeStalePackage writes P7's module under dir: a package big of
// staleFiles files of about 4 KiB (a result type, tasks, and helpers one
// and two calls deep in each), and a program that runs one of its tasks.
func writeStalePackage(dir, repo string) error {
	if err := modtest.FreshModule(repo, dir, "example.com/stalecheck"); err != nil {
		return err
	}
	pkg := filepath.Join(dir, "big")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	for i := range staleFiles {
		var b strings.Builder
		fmt.Fprintf(&b, "package big\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n")
		fmt.Fprintf(&b, "// Row%d is what the tasks of this file return.\ntype Row%d struct {\n\tID    int      // the input id, offset by the task\n\tName  string   // the name, titled\n\tTags  []string // at most limit tags\n\tScore float64\n}\n\n", i, i)
		fmt.Fprintf(&b, "// limit%d bounds the tags of a row.\nconst limit%d = %d\n\n", i, i, 4+i%3)
		for j := range 4 {
			fmt.Fprintf(&b, "// Task%d_%d computes the row of id, named after name.\n//\n//result:task\nfunc Task%d_%d(id int, name string) (Row%d, error) {\n", i, j, i, j, i)
			fmt.Fprintf(&b, "\tif id < 0 {\n\t\treturn Row%d{}, fmt.Errorf(\"task %d_%d: bad id %%d\", id)\n\t}\n", i, i, j)
			b.WriteString("\tswitch {\n\tcase len(name) > 16:\n\t\tname = name[:16]\n\tcase name == \"\":\n\t\tname = \"anonymous\"\n\t}\n")
			fmt.Fprintf(&b, "\ttags := make([]string, 0, limit%d)\n\tfor k := range limit%d {\n\t\ttags = append(tags, tag%d_%d(name, k))\n\t}\n", i, i, i, j)
			fmt.Fprintf(&b, "\treturn Row%d{ID: id + %d, Name: title%d_%d(name), Tags: tags, Score: float64(len(tags)) / %d}, nil\n}\n\n", i, j, i, j, j+1)
			fmt.Fprintf(&b, "// title%d_%d trims name and capitalizes it.\nfunc title%d_%d(name string) string {\n\tname = strings.TrimSpace(name)\n\tif name == \"\" {\n\t\treturn \"?\"\n\t}\n\treturn strings.ToUpper(name[:1]) + lower%d_%d(name[1:])\n}\n\n", i, j, i, j, i, j)
			fmt.Fprintf(&b, "// lower%d_%d is two calls below Task%d_%d.\nfunc lower%d_%d(s string) string { return strings.ToLower(s) }\n\n", i, j, i, j, i, j)
			fmt.Fprintf(&b, "// tag%d_%d is the k-th tag of name.\nfunc tag%d_%d(name string, k int) string {\n\treturn fmt.Sprintf(\"%%s-%%d-%d\", strings.ToLower(name), k)\n}\n\n", i, j, i, j, j)
		}
		if err := os.WriteFile(filepath.Join(pkg, fmt.Sprintf("f%02d.go", i)), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	main := `package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"example.com/stalecheck/big"
)

func main() {
	slog.SetLogLoggerLevel(slog.LevelDebug) // the default handler's own level; RESULTGEN_LOGGING_LEVEL filters too
	row, err := big.Task0_0Task.Call(context.Background(), 1, "ada")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(row.Name)
}
`
	if err := os.MkdirAll(filepath.Join(dir, "app"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "app", "main.go"), []byte(main), 0o644)
}

// staleLine is the runtime's DEBUG line of the stale-code check.
var staleLine = regexp.MustCompile(`stale-code check .*files=(\d+) took=(\S+)`)

// staleRows is P7: the stale-code check of a package of 50 files as a
// user's process pays it: a program built from a generated package runs one
// of its tasks, and the check's duration is read from its DEBUG log line;
// the baseline is reading the same files in this process.
func staleRows(dir string) ([]row, []string) {
	repo, err := modtest.Repo()
	if err != nil {
		return nil, []string{"P7: skipped: " + err.Error()}
	}
	mod := filepath.Join(dir, "stalemod")
	defer os.RemoveAll(mod)
	if err := writeStalePackage(mod, repo); err != nil {
		return nil, []string{"P7: skipped: " + err.Error()}
	}
	gen := filepath.Join(dir, "resultgen-p7")
	bin := filepath.Join(dir, "stalecheck")
	for _, c := range [][]string{
		{repo, "go", "build", "-o", gen, "./cmd/resultgen"},
		{mod, gen, "./big"},
		{mod, "go", "build", "-o", bin, "./app"},
	} {
		if err := modtest.Command(c[0], c[1], c[2:]...); err != nil {
			return nil, []string{"P7: skipped: " + err.Error()}
		}
	}
	var files []string
	var size int64
	for i := range staleFiles {
		p := filepath.Join(mod, "big", fmt.Sprintf("f%02d.go", i))
		fi, err := os.Stat(p)
		if err != nil {
			return nil, []string{"P7: skipped: " + err.Error()}
		}
		files, size = append(files, p), size+fi.Size()
	}
	env := append(os.Environ(), "RESULTGEN_LOGGING_LEVEL=DEBUG", "RESULTGEN_HOME="+filepath.Join(dir, "p7home"),
		"RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(dir, "p7storage"))
	var bs, rs []float64
	checked := ""
	for i := range *reps + 1 {
		start := time.Now()
		for _, p := range files {
			if _, err := os.ReadFile(p); err != nil {
				panic(err)
			}
		}
		read := time.Since(start)
		out, err := modtest.Exec(mod, env, bin)
		if err == nil && out.Exit != 0 {
			err = fmt.Errorf("exit %d", out.Exit)
		}
		if err != nil {
			return nil, []string{fmt.Sprintf("P7: skipped: the program failed: %v\n%s", err, out.Stderr)}
		}
		m := staleLine.FindStringSubmatch(out.Stderr)
		if m == nil {
			return nil, []string{"P7: skipped: no stale-code check in the program's log:\n" + out.Stderr}
		}
		took, err := time.ParseDuration(m[2])
		if err != nil {
			return nil, []string{"P7: skipped: " + err.Error()}
		}
		if n, _ := strconv.Atoi(m[1]); n != staleFiles {
			return nil, []string{fmt.Sprintf("P7: skipped: the check read %d files, want %d", n, staleFiles)}
		}
		checked = m[1] + " files"
		if i == 0 {
			continue // warms the page cache for both
		}
		bs, rs = append(bs, float64(read)), append(rs, float64(took))
	}
	b, r := median(bs), median(rs)
	return []row{
			{name: "P7 stale-code check, 50 files", goal: "<=5ms", base: dur(b), rg: dur(r), ratio: r / b, allocs: checked, pass: r <= 5e6},
		}, []string{fmt.Sprintf("P7: a generated package of %d files (%d KiB, %d tasks) in a temporary module; resultgen is the check's own "+
			"`took` (its DEBUG line \"stale-code check\") in a fresh process running one task, once per process; baseline os.ReadFile of the same files in this process.",
			staleFiles, size>>10, staleFiles*4)}
}
