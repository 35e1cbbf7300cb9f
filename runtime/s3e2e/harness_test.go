package s3e2e_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
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
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// Environment set by scripts/with-minio.sh.
const (
	envEndpoint = "RESULTGEN_TEST_S3_ENDPOINT"
	envMinioBin = "RESULTGEN_TEST_MINIO_BIN"
)

// blockSlug is the block the flows of testdata/flow store their results in.
const blockSlug = "s3/e2e"

// testEndpoint returns the shared MinIO, skipping the test when there is
// none (failing under CI=true, where a missing server is a broken setup).
func testEndpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(envEndpoint)
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is unset: run the tests through ./scripts/with-minio.sh (make test)", envEndpoint)
		}
		t.Skipf("%s is unset: run ./scripts/with-minio.sh go test ./runtime/s3e2e/ to test against a real MinIO", envEndpoint)
	}
	if host, _, err := net.SplitHostPort(ep); err != nil || host != "127.0.0.1" {
		t.Fatalf("%s=%q: the tests only talk to a server on 127.0.0.1:PORT", envEndpoint, ep)
	}
	return ep
}

// server is an S3 endpoint with its root credentials.
type server struct {
	endpoint string
	user     string
	password string
}

// sharedServer is the MinIO of scripts/with-minio.sh.
func sharedServer(t testing.TB) server {
	return server{endpoint: testEndpoint(t), user: os.Getenv("AWS_ACCESS_KEY_ID"), password: os.Getenv("AWS_SECRET_ACCESS_KEY")}
}

func (s server) creds() *credentials.Credentials {
	return credentials.NewStaticV4(s.user, s.password, "")
}

// client is an admin client of the server, for what the test itself
// checks (the processes under test use their own).
func (s server) client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.endpoint, &minio.Options{Creds: s.creds(), Region: "us-east-1", MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// store opens the bucket as the runtime would, for record.Read and Stat.
func (s server) store(t testing.TB, bucket, prefix string) *s3.Storage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: prefix, Endpoint: s.endpoint, Region: "us-east-1",
		Insecure: true, Credentials: s.creds(), MaxRetries: 1})
	if err != nil {
		t.Fatalf("open s3://%s/%s: %v", bucket, prefix, err)
	}
	return st
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newBucket creates a fresh bucket named after the test; with remove it is
// deleted with its contents when the test ends.
func newBucket(t testing.TB, s server, remove bool) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	name = regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(name, "-")
	name = strings.Trim("e2e-"+name[:min(len(name), 40)], "-") + "-" + randomHex(4)
	c := s.client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("make bucket %s at %s: %v", name, s.endpoint, err)
	}
	if remove {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := c.RemoveBucketWithOptions(ctx, name, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
				t.Logf("remove bucket %s: %v", name, err)
			}
		})
	}
	return name
}

// The flow program is built once per test binary.
var (
	flowOnce sync.Once
	flowBin  string
	flowErr  error
	flowDir  string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if flowDir != "" {
		os.RemoveAll(flowDir)
	}
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
		bin := filepath.Join(flowDir, "flow")
		out, err := exec.Command("go", "build", "-o", bin, "./testdata/flow").CombinedOutput()
		if err != nil {
			flowErr = fmt.Errorf("go build ./testdata/flow: %v\n%s", err, out)
			return
		}
		flowBin = bin
	})
	if flowErr != nil {
		t.Fatal(flowErr)
	}
	return flowBin
}

// world is what the processes of one test share: a resultgen home whose
// profile points the block s3/e2e at a bucket, a folder of barrier files,
// and the server's credentials.
type world struct {
	srv    server
	bucket string
	prefix string
	home   string
	sync   string
	bin    string
}

// newWorld makes a bucket on srv and a resultgen home whose config.toml
// holds the block s3/e2e = s3://BUCKET/PREFIX at srv.
func newWorld(t *testing.T, srv server, removeBucket bool) *world {
	t.Helper()
	bin := flowProgram(t)
	root := t.TempDir()
	w := &world{srv: srv, bucket: newBucket(t, srv, removeBucket), prefix: "team/" + randomHex(3),
		home: filepath.Join(root, "home"), sync: filepath.Join(root, "sync"), bin: bin}
	if err := os.MkdirAll(w.sync, 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := settings.OpenProfile(w.home)
	if err != nil {
		t.Fatal(err)
	}
	b := settings.Block{Slug: blockSlug, URL: "s3://" + w.bucket + "/" + w.prefix, Endpoint: srv.endpoint, Insecure: true}
	if err := p.SetBlock(b); err != nil {
		t.Fatalf("set block %s: %v", blockSlug, err)
	}
	if err := p.Save(); err != nil {
		t.Fatalf("save profile: %v", err)
	}
	return w
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
		"AWS_ACCESS_KEY_ID="+w.srv.user,
		"AWS_SECRET_ACCESS_KEY="+w.srv.password,
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
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Env = w.env()
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

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// minioProc is a private MinIO server, for a test that kills and restarts
// it: killing the shared one would break other packages' tests.
type minioProc struct {
	t       testing.TB
	bin     string
	data    string
	console string
	srv     server
	cmd     *exec.Cmd
	exited  chan error
}

// startPrivateMinIO starts a MinIO of its own on 127.0.0.1, from the binary
// scripts/with-minio.sh exports; it is killed when the test ends.
func startPrivateMinIO(t testing.TB) *minioProc {
	t.Helper()
	testEndpoint(t)
	bin := os.Getenv(envMinioBin)
	if bin == "" {
		t.Fatalf("%s is unset: run the tests through ./scripts/with-minio.sh", envMinioBin)
	}
	p := &minioProc{
		t:       t,
		bin:     bin,
		data:    t.TempDir(),
		console: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		srv: server{
			endpoint: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
			user:     "rg" + randomHex(6),
			password: randomHex(12),
		},
	}
	p.start()
	t.Cleanup(p.kill)
	return p
}

// start starts the server on its port and data folder and waits until it
// is ready.
func (p *minioProc) start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, "server", "--quiet", "--address", p.srv.endpoint, "--console-address", p.console, p.data)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+p.srv.user, "MINIO_ROOT_PASSWORD="+p.srv.password,
		"MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	log := new(syncBuffer)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start minio: %v", err)
	}
	p.cmd, p.exited = cmd, make(chan error, 1)
	go func() { p.exited <- cmd.Wait() }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			p.t.Fatalf("minio exited while starting at %s: %v\n%s", p.srv.endpoint, err, log)
		default:
		}
		resp, err := client.Get("http://" + p.srv.endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	p.t.Fatalf("minio at %s not ready after 90s\n%s", p.srv.endpoint, log)
}

// kill stops the server at once, as a crash would, and waits until it is
// gone and its port is closed.
func (p *minioProc) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
	for range 100 {
		c, err := net.DialTimeout("tcp", p.srv.endpoint, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}
