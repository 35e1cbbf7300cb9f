package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/resultgen/resultgen/internal/modtest"
)

// buildTasks is how many tasks, each of its own result type, P6's build
// row's package holds: a user's package of tasks, not P6's stress test.
const buildTasks = 10

// writeBuildPackage writes, under dir, a module that requires this
// repository and holds package tasks: buildTasks annotated functions,
// each returning a struct type of its own (every struct type is a shape
// of its own to the compiler, so each instantiates the runtime's generic
// code once), and a flow calling them. nonce goes into a constant, so
// that every repetition is an edit the build cache does not hold.
func writeBuildPackage(dir, repo string, nonce int) error {
	pkg := filepath.Join(dir, "tasks")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "// Package tasks is P6's build benchmark package.\npackage tasks\n\nimport \"context\"\n\n// Edit is changed by every repetition.\nconst Edit = %d\n\n", nonce)
	for i := range buildTasks {
		fmt.Fprintf(&b, "// Out%d is T%d's result.\ntype Out%d struct {\n\tID    int\n\tName  string\n\tScore float64\n\tTags  []string\n\tN%d   int\n}\n\n", i, i, i, i)
		fmt.Fprintf(&b, "// T%d makes an Out%d.\n//\n//result:task\nfunc T%d(id int, name string) (Out%d, error) {\n\treturn Out%d{ID: id + Edit, Name: name, Score: float64(id) / 2}, nil\n}\n\n", i, i, i, i, i)
	}
	b.WriteString("// All runs every task.\n//\n//result:flow\nfunc All(ctx context.Context, name string) (int, error) {\n\tn := 0\n")
	for i := range buildTasks {
		fmt.Fprintf(&b, "\tif v, err := T%dTask.Call(ctx, %d, name); err != nil {\n\t\treturn 0, err\n\t} else {\n\t\tn += v.ID\n\t}\n", i, i)
	}
	b.WriteString("\treturn n, nil\n}\n")
	if err := os.WriteFile(filepath.Join(pkg, "tasks.go"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return modtest.FreshModule(repo, dir, "example.com/tasks")
}

// buildRow is P6's build row: `go build` of a package of buildTasks tasks
// after an edit, with its result_gen.go, against the same package's own
// code alone (the flow, which calls the wrappers, set aside too),
// alternating which runs first. What it shows is what the generated code
// and the runtime's generic code cost a user's edit-build loop.
func buildRow(dir, gen string) (row, error) {
	repo, err := os.Getwd()
	if err != nil {
		return row{}, err
	}
	mod := filepath.Join(dir, "buildmod")
	defer os.RemoveAll(mod)
	if err := writeBuildPackage(mod, repo, 0); err != nil {
		return row{}, err
	}
	if _, err := runTool(mod, gen, "./tasks"); err != nil {
		return row{}, err
	}
	genFile := filepath.Join(mod, "tasks", "result_gen.go")
	src := filepath.Join(mod, "tasks", "tasks.go")
	var bs, rs, bcpu, rcpu []float64
	for i := range *bigReps + 1 {
		// the package's own code: the tasks without their wrappers, and
		// without the flow that calls them
		own := func() (measurement, error) {
			if err := writeBuildPackage(mod, repo, 2*i+1); err != nil {
				return measurement{}, err
			}
			b, err := os.ReadFile(src)
			if err != nil {
				return measurement{}, err
			}
			body, _, _ := strings.Cut(string(b), "// All runs every task.")
			if err := os.WriteFile(src, []byte(strings.Replace(body, "import \"context\"\n", "", 1)), 0o644); err != nil {
				return measurement{}, err
			}
			aside := genFile + ".aside"
			if err := os.Rename(genFile, aside); err != nil {
				return measurement{}, err
			}
			defer os.Rename(aside, genFile)
			return runTool(mod, "go", "build", "./tasks")
		}
		with := func() (measurement, error) {
			if err := writeBuildPackage(mod, repo, 2*i+2); err != nil {
				return measurement{}, err
			}
			return runTool(mod, "go", "build", "./tasks")
		}
		var b, r measurement
		var errB, errR error
		if i%2 == 0 {
			b, errB = own()
			r, errR = with()
		} else {
			r, errR = with()
			b, errB = own()
		}
		if err := cmp.Or(errB, errR); err != nil {
			return row{}, err
		}
		if i == 0 {
			continue // warms the build cache of the dependencies
		}
		bs, rs = append(bs, float64(b.NS)), append(rs, float64(r.NS))
		bcpu, rcpu = append(bcpu, float64(b.CPU)), append(rcpu, float64(r.CPU))
	}
	q := pairRatio(bs, rs)
	return row{name: fmt.Sprintf("P6 go build after an edit, %d tasks", buildTasks), goal: "report", base: cell(bs, dur), rg: cell(rs, dur), ratio: q, pass: true,
		note: fmt.Sprintf("a package of %d tasks, each returning a struct type of its own, and a flow calling them, rebuilt after an edit with its result_gen.go (the wrappers, and the runtime's generic code the compiler instantiates once per result type); baseline: the same package's own code (the tasks, without the flow, which calls the wrappers); %s", buildTasks, cpuNote(bcpu, rcpu))}, nil
}
