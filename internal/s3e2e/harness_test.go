package s3e2e_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/modtest"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// blockSlug is the block the flows of testdata/flow store their results in.
const blockSlug = "s3/e2e"

// The flow program is built once per test binary.
var (
	flowOnce sync.Once
	flowBin  string
	flowErr  error
	flowDir  string // removed by TestMain

	cliOnce sync.Once
	cliBin  string
	cliErr  error
	cliDir  string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if flowDir != "" {
		os.RemoveAll(flowDir)
	}
	if cliDir != "" {
		os.RemoveAll(cliDir)
	}
	durable.Close()
	versions.Close()
	txnProg.Close()
	os.Exit(code)
}

// flowProgram builds testdata/flow and returns the binary.
func flowProgram(t testing.TB) string {
	t.Helper()
	flowOnce.Do(func() {
		flowDir, flowErr = os.MkdirTemp("", "s3e2e-flow-")
		if flowErr != nil {
			return
		}
		flowBin, flowErr = modtest.Executable(".", "./testdata/flow", flowDir)
	})
	if flowErr != nil {
		t.Fatal(flowErr)
	}
	return flowBin
}

// cliProgram builds cmd/resultgen, the command users run, and returns the
// binary.
func cliProgram(t testing.TB) string {
	t.Helper()
	cliOnce.Do(func() {
		cliDir, cliErr = os.MkdirTemp("", "s3e2e-cli-")
		if cliErr != nil {
			return
		}
		cliBin, cliErr = modtest.Executable(".", "../../cmd/resultgen", cliDir)
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliBin
}

// cli runs the resultgen command with args in the world's environment and
// returns its stdout, its stderr and its exit code.
func (w *world) cli(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, cliProgram(t), args...)
	cmd.Env = w.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("resultgen %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// world is what the processes of one test share: a resultgen home whose
// profile points the block s3/e2e at a bucket, a folder of barrier files,
// and the server's credentials.
type world struct {
	srv    s3test.Server
	bucket string
	prefix string
	home   string
	sync   string
	bin    string
}

// newWorld makes a bucket on srv (kept or removed as bucket says) and a
// resultgen home whose config.toml holds the block
// s3/e2e = s3://BUCKET/PREFIX at srv.
func newWorld(t *testing.T, srv s3test.Server, bucket s3test.BucketOptions) *world {
	t.Helper()
	bin := flowProgram(t)
	root := t.TempDir()
	w := &world{srv: srv, bucket: srv.NewBucket(t, bucket), prefix: "team/" + s3test.RandomHex(3),
		home: filepath.Join(root, "home"), sync: filepath.Join(root, "sync"), bin: bin}
	if err := os.MkdirAll(w.sync, 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := settings.OpenProfile(w.home)
	if err != nil {
		t.Fatal(err)
	}
	b := settings.Block{Slug: blockSlug, URL: "s3://" + w.bucket + "/" + w.prefix, Endpoint: srv.Endpoint, Insecure: true}
	if err := p.SetBlock(b); err != nil {
		t.Fatalf("set block %s: %v", blockSlug, err)
	}
	if err := p.Save(); err != nil {
		t.Fatalf("save profile: %v", err)
	}
	return w
}

// store opens the world's bucket and prefix as the runtime would, for
// record.Read and Stat.
func (w *world) store(t testing.TB) *s3.Storage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{Bucket: w.bucket, Prefix: w.prefix, Endpoint: w.srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: w.srv.Creds(), MaxRetries: 1})
	if err != nil {
		t.Fatalf("open s3://%s/%s: %v", w.bucket, w.prefix, err)
	}
	return st
}

// client is an admin client of the world's server, for what the test itself
// checks (the processes under test use their own).
func (w *world) client(t testing.TB) *minio.Client {
	t.Helper()
	return w.srv.Client(t, func(o *minio.Options) { o.MaxRetries = 1 })
}

// env is the environment of a flow process: the test's own, less any
// resultgen setting or AWS endpoint that could send results elsewhere, plus
// the world's home, barrier folder and credentials.
func (w *world) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "RESULTGEN_") || strings.HasPrefix(k, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		settings.Home+"="+w.home,
		"RESULTGEN_E2E_SYNC="+w.sync,
		"AWS_ACCESS_KEY_ID="+w.srv.User,
		"AWS_SECRET_ACCESS_KEY="+w.srv.Password,
		"AWS_REGION=us-east-1",
	)
}

// proc is one running flow process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan struct{}
	err    error // valid once done is closed
}

// start starts the flow program with args; it is killed when ctx ends.
func (w *world) start(t *testing.T, ctx context.Context, args ...string) *proc {
	t.Helper()
	return w.startEnv(t, ctx, nil, args...)
}

// startEnv is start with extra environment variables (KEY=VALUE).
func (w *world) startEnv(t *testing.T, ctx context.Context, extra []string, args ...string) *proc {
	t.Helper()
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Env = append(w.env(), extra...)
	p := &proc{name: "flow " + strings.Join(args, " "), cmd: cmd, stdout: new(syncBuffer), stderr: new(syncBuffer), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for p to exit and fails the test unless it exited 0.
func (p *proc) wait(t *testing.T) string {
	t.Helper()
	<-p.done
	if p.err != nil {
		t.Fatalf("%s (pid %d): %v\nstdout:\n%s\nstderr:\n%s", p.name, p.cmd.Process.Pid, p.err, p.stdout, p.stderr)
	}
	return p.stdout.String()
}

// awaitOutput waits until p's stdout holds s and returns it: what p
// prints reaches the test through a pipe, some time after p printed it,
// so a barrier file p creates afterwards may be seen first.
func (p *proc) awaitOutput(t *testing.T, ctx context.Context, s string) string {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if out := p.stdout.String(); strings.Contains(out, s) {
			return out
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: waiting for %q in its output: %v\nstdout:\n%s\nstderr:\n%s", p.name, s, ctx.Err(), p.stdout, p.stderr)
		case <-p.done:
			if out := p.stdout.String(); strings.Contains(out, s) {
				return out
			}
			t.Fatalf("%s exited (%v) without printing %q\nstdout:\n%s\nstderr:\n%s", p.name, p.err, s, p.stdout, p.stderr)
		case <-tick.C:
		}
	}
}

// run runs the flow program to the end and returns its output.
func (w *world) run(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	return w.start(t, ctx, args...).wait(t)
}

// awaitFile waits until the barrier file name exists, failing the test when
// ctx ends or one of procs exits first.
func (w *world) awaitFile(t *testing.T, ctx context.Context, name string, procs ...*proc) {
	t.Helper()
	path := filepath.Join(w.sync, name)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		for _, p := range procs {
			select {
			case <-p.done:
				t.Fatalf("%s exited (%v) before creating %s\nstdout:\n%s\nstderr:\n%s", p.name, p.err, name, p.stdout, p.stderr)
			default:
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for barrier %s: %v", name, ctx.Err())
		case <-tick.C:
		}
	}
}

// signal creates the barrier file name.
func (w *world) signal(t *testing.T, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(w.sync, name), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// line is one output line of the flow program: "WHAT k=v k=\"quoted\" ...".
type line struct {
	what   string
	fields map[string]string
}

var fieldRE = regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S*)`)

// lines parses the output lines that start with what.
func lines(t *testing.T, out, what string) []line {
	t.Helper()
	var ls []line
	for _, l := range strings.Split(out, "\n") {
		head, rest, _ := strings.Cut(l, " ")
		if head != what {
			continue
		}
		f := map[string]string{}
		for _, m := range fieldRE.FindAllStringSubmatch(rest, -1) {
			v := m[2]
			if strings.HasPrefix(v, `"`) {
				u, err := strconv.Unquote(v)
				if err != nil {
					t.Fatalf("bad quoted value in %q: %v", l, err)
				}
				v = u
			}
			f[m[1]] = v
		}
		ls = append(ls, line{what: what, fields: f})
	}
	return ls
}

// only returns the one line starting with what.
func only(t *testing.T, out, what string) map[string]string {
	t.Helper()
	ls := lines(t, out, what)
	if len(ls) != 1 {
		t.Fatalf("want one %q line, got %d in:\n%s", what, len(ls), out)
	}
	return ls[0].fields
}

// bodies returns who ran the body of task, from the "body" lines of out.
func bodies(t *testing.T, out, task string) []string {
	t.Helper()
	var by []string
	for _, l := range lines(t, out, "body") {
		if l.fields["task"] == task {
			by = append(by, l.fields["by"])
		}
	}
	return by
}

// fill is testdata/flow's Fill: n bytes derived from seed.
func fill(seed string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); len(out) < n; i++ {
		for j := range ctr {
			ctr[j] = byte(i >> (8 * j))
		}
		h := sha256.New()
		h.Write([]byte(seed))
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:n]
}
