package s3_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// Environment set by scripts/with-minio.sh.
const (
	envEndpoint = "RESULTGEN_TEST_S3_ENDPOINT"
	envMinioBin = "RESULTGEN_TEST_MINIO_BIN"
)

// testEndpoint returns the MinIO to test against, skipping the test when
// there is none (failing under CI=true, where a missing server is a broken
// setup rather than a developer's choice).
func testEndpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(envEndpoint)
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is unset: the S3 tests must run through ./scripts/with-minio.sh (make test)", envEndpoint)
		}
		t.Skipf("%s is unset: run ./scripts/with-minio.sh go test ./runtime/storage/s3/ (or make test) to test against a real MinIO", envEndpoint)
	}
	if host, _, err := net.SplitHostPort(ep); err != nil || host != "127.0.0.1" {
		t.Fatalf("%s=%q: the tests only talk to a server on 127.0.0.1:PORT", envEndpoint, ep)
	}
	return ep
}

func testCreds() *credentials.Credentials {
	return credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")
}

func adminClient(t testing.TB, endpoint string) *minio.Client {
	t.Helper()
	c, err := minio.New(endpoint, &minio.Options{Creds: testCreds(), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// bucketName makes a fresh, valid bucket name from the test's name.
func bucketName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	return strings.Trim("rg-"+name, "-") + "-" + randomHex(4)
}

// newBucket creates a fresh bucket at endpoint, removed with its contents
// when the test ends.
func newBucket(t testing.TB, endpoint string) string {
	t.Helper()
	c := adminClient(t, endpoint)
	name := bucketName(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.RemoveBucketWithOptions(ctx, name, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
			t.Logf("remove bucket %s: %v", name, err)
		}
	})
	return name
}

// openStore opens a Storage on a fresh bucket of the test MinIO.
func openStore(t testing.TB, prefix string, tune func(*s3.Config)) (*s3.Storage, s3.Config) {
	t.Helper()
	ep := testEndpoint(t)
	cfg := s3.Config{
		Bucket:      newBucket(t, ep),
		Prefix:      prefix,
		Endpoint:    ep,
		Region:      "us-east-1",
		Insecure:    true,
		Credentials: testCreds(),
	}
	if tune != nil {
		tune(&cfg)
	}
	st, err := s3.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return st, cfg
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

// minioProc is a private MinIO server for tests that kill and restart it;
// killing the shared one would break other packages' tests running at the
// same time.
type minioProc struct {
	t        testing.TB
	bin      string
	data     string
	endpoint string
	console  string
	user     string
	password string
	cmd      *exec.Cmd
}

// startPrivateMinIO starts a MinIO of its own on 127.0.0.1, from the binary
// scripts/with-minio.sh exports.
func startPrivateMinIO(t testing.TB) *minioProc {
	t.Helper()
	testEndpoint(t)
	bin := os.Getenv(envMinioBin)
	if bin == "" {
		t.Fatalf("%s is unset: run the tests through ./scripts/with-minio.sh", envMinioBin)
	}
	p := &minioProc{
		t:        t,
		bin:      bin,
		data:     t.TempDir(),
		endpoint: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		console:  fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		user:     "rg" + randomHex(6),
		password: randomHex(12),
	}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *minioProc) start() {
	p.t.Helper()
	cmd := exec.Command(p.bin, "server", "--quiet", "--address", p.endpoint, "--console-address", p.console, p.data)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+p.user, "MINIO_ROOT_PASSWORD="+p.password,
		"MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	logPath := p.data + ".log"
	logFile, err := os.Create(logPath)
	if err != nil {
		p.t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	readLog := func() string { b, _ := os.ReadFile(logPath); return string(b) }
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start minio: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p.cmd = cmd
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			p.t.Fatalf("minio exited while starting: %v\n%s", err, readLog())
		default:
		}
		resp, err := client.Get("http://" + p.endpoint + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	p.t.Fatalf("minio at %s not ready after 90s\n%s", p.endpoint, readLog())
}

// kill stops the server at once, as a crash would.
func (p *minioProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		// The port is free again once the process is gone.
		for range 100 {
			c, err := net.DialTimeout("tcp", p.endpoint, 100*time.Millisecond)
			if err != nil {
				break
			}
			c.Close()
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (p *minioProc) stop() { p.kill() }

func (p *minioProc) creds() *credentials.Credentials {
	return credentials.NewStaticV4(p.user, p.password, "")
}
