// Package s3test is what the module's tests need to run against a real S3
// server: the MinIO that scripts/with-minio.sh starts, fresh buckets on it,
// private MinIO servers that a test may kill and restart, and a stand-in
// bucket for tests that need no real server. Only tests import it
// (runtime/storage/s3, internal/s3e2e, runtime, cmd/resultgen, examples); it is a normal
// package so that tests of several packages can share it, and it is no part
// of the runtime.
//
// # The shared server
//
// scripts/with-minio.sh starts a throw-away MinIO on 127.0.0.1 and runs a
// command with its address in RESULTGEN_TEST_S3_ENDPOINT and its root
// credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY:
//
//	./scripts/with-minio.sh go test -race -count=1 ./runtime/storage/s3/...
//
// Shared returns that server. When RESULTGEN_TEST_S3_ENDPOINT is unset it
// skips the test with a message saying how to run it; under CI=true it fails
// the test instead, since there a missing server is a broken setup rather
// than a developer's choice. An endpoint other than 127.0.0.1:PORT fails the
// test: these tests never talk to another address.
//
//	func TestPut(t *testing.T) {
//		srv := s3test.Shared(t)
//		bucket := srv.NewBucket(t, s3test.BucketOptions{})
//		admin := srv.Client(t)
//		...
//	}
//
// NewBucket makes a bucket with a unique valid name derived from the test's
// name and, unless BucketOptions.Keep is set, empties and removes it when the
// test ends, so tests never see each other's objects.
//
// # Private servers
//
// A test that kills the server must not kill the shared one: other packages'
// tests use it at the same time. StartMinIO starts a MinIO of its own from
// the binary in RESULTGEN_TEST_MINIO_BIN, on a free 127.0.0.1 port, with a
// fresh data folder and random root credentials. MinIO.Kill stops it at once,
// as a crash would; MinIO.Start starts it again on the same port and data
// folder, so what was committed before the kill is there again. The server is
// killed when the test ends. StartMinIOTLS starts one that serves HTTPS
// only, with a self-signed certificate for 127.0.0.1 made for the test
// (Server.RootCAs trusts it), for what a server refuses over plain HTTP
// (SSE-C).
//
//	m := s3test.StartMinIO(t)
//	srv := m.Server()
//	... // use srv.Endpoint and srv.Creds()
//	m.Kill()
//	... // check how the code under test fails
//	m.Start()
//
// # Without a server
//
// NewEmptyBucket starts a plain-HTTP stand-in that answers as one empty
// bucket, for tests of how an endpoint is reached (scheme, TLS) that need
// no MinIO.
//
// scripts/with-minio.sh stops the shared server by the pid it keeps in
// RESULTGEN_TEST_MINIO_PIDFILE. Private servers are no business of the script:
// this package never writes that file, and never signals the shared server,
// so the script always stops the right process.
package s3test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Environment set by scripts/with-minio.sh.
const (
	// EnvEndpoint holds the shared server's address, 127.0.0.1:PORT (plain
	// HTTP).
	EnvEndpoint = "RESULTGEN_TEST_S3_ENDPOINT"
	// EnvMinIOBin holds the MinIO server binary StartMinIO runs.
	EnvMinIOBin = "RESULTGEN_TEST_MINIO_BIN"
	// EnvPIDFile holds the file in which the script keeps the shared
	// server's pid; this package leaves it alone.
	EnvPIDFile = "RESULTGEN_TEST_MINIO_PIDFILE"
)

// Region is the region of every test server and bucket.
const Region = "us-east-1"

// Timeout bounds each bucket operation NewBucket makes.
const Timeout = time.Minute

// Server is an S3 endpoint on 127.0.0.1 with its root credentials.
type Server struct {
	Endpoint string // 127.0.0.1:PORT, plain HTTP unless RootCAs is set
	User     string // the root user (AWS_ACCESS_KEY_ID)
	Password string // the root password (AWS_SECRET_ACCESS_KEY)
	// RootCAs, when set, says the server serves HTTPS only, with a
	// certificate these roots trust (StartMinIOTLS).
	RootCAs *x509.CertPool
}

// Transport returns the HTTP transport a client of the server needs: nil
// for plain HTTP (the client's default), one trusting RootCAs for HTTPS.
func (s Server) Transport() http.RoundTripper {
	if s.RootCAs == nil {
		return nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}
	return t
}

// Shared returns the MinIO of scripts/with-minio.sh. It skips the test when
// EnvEndpoint is unset, or fails it under CI=true, and fails it when the
// endpoint is not on 127.0.0.1.
func Shared(t testing.TB) Server {
	t.Helper()
	ep := os.Getenv(EnvEndpoint)
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is unset: the S3 tests must run through ./scripts/with-minio.sh (make test)", EnvEndpoint)
		}
		t.Skipf("%s is unset: run ./scripts/with-minio.sh go test %s (or make test) to test against a real MinIO", EnvEndpoint, packageArg())
	}
	if host, _, err := net.SplitHostPort(ep); err != nil || host != "127.0.0.1" {
		t.Fatalf("%s=%q: the tests only talk to a server on 127.0.0.1:PORT", EnvEndpoint, ep)
	}
	return Server{Endpoint: ep, User: os.Getenv("AWS_ACCESS_KEY_ID"), Password: os.Getenv("AWS_SECRET_ACCESS_KEY")}
}

// packageArg names the package under test as go test takes it (./internal/s3e2e/),
// from the working directory go test runs the test binary in; "./..." when
// that is not inside the module.
func packageArg() string {
	wd, err := os.Getwd()
	if err != nil {
		return "./..."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return "./..."
			}
			if rel == "." {
				return "./"
			}
			return "./" + filepath.ToSlash(rel) + "/"
		}
		if filepath.Dir(dir) == dir {
			return "./..."
		}
	}
}

// Creds returns the server's root credentials.
func (s Server) Creds() *credentials.Credentials {
	return credentials.NewStaticV4(s.User, s.Password, "")
}

// Client returns an admin client of the server, for what a test checks
// behind the back of the code under test. Each tune, if any, adjusts the
// options first (for example MaxRetries).
func (s Server) Client(t testing.TB, tune ...func(*minio.Options)) *minio.Client {
	t.Helper()
	opts := &minio.Options{Creds: s.Creds(), Region: Region}
	if s.RootCAs != nil {
		opts.Secure, opts.Transport = true, s.Transport()
	}
	for _, f := range tune {
		f(opts)
	}
	c, err := minio.New(s.Endpoint, opts)
	if err != nil {
		t.Fatalf("minio client of %s: %v", s.Endpoint, err)
	}
	return c
}

// BucketOptions adjusts NewBucket.
type BucketOptions struct {
	// Keep leaves the bucket and its objects when the test ends (for a
	// bucket on a private server, which goes with the server's data
	// folder).
	Keep bool
}

// NewBucket creates a bucket with a fresh name, valid for S3, made from the
// test's name. Unless opts.Keep is set, the bucket is emptied and removed
// when the test ends; failing to remove it is logged, not an error.
func (s Server) NewBucket(t testing.TB, opts BucketOptions) string {
	t.Helper()
	c := s.Client(t)
	name := BucketName(t)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{Region: Region}); err != nil {
		t.Fatalf("make bucket %s at %s: %v", name, s.Endpoint, err)
	}
	if !opts.Keep {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), Timeout)
			defer cancel()
			if err := c.RemoveBucketWithOptions(ctx, name, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
				t.Logf("remove bucket %s at %s: %v", name, s.Endpoint, err)
			}
		})
	}
	return name
}

// BucketName returns a fresh bucket name made from the test's name:
// "rg-", at most 40 lowercase letters, digits and single hyphens, and 8
// random hex digits, so at most 52 characters.
func BucketName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := b.String()
	name = strings.Trim(name[:min(len(name), 40)], "-")
	if name == "" {
		return "rg-" + RandomHex(4)
	}
	return "rg-" + name + "-" + RandomHex(4)
}

// RandomHex returns 2n random lowercase hex digits.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// FreePort returns a port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// MinIO is a private MinIO server of one test. Its methods are safe to call
// from any goroutine, but Start only from the test's own.
type MinIO struct {
	t       testing.TB
	bin     string
	data    string // the server's data folder
	log     string // its output, appended to by each Start
	certs   string // its --certs-dir ("": plain HTTP)
	console string
	srv     Server

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
}

// StartMinIO starts a MinIO of the test's own on 127.0.0.1, from the binary
// in EnvMinIOBin, and waits until it is ready; it is killed when the test
// ends. Like Shared, it skips the test when scripts/with-minio.sh did not
// run it.
func StartMinIO(t testing.TB) *MinIO {
	t.Helper()
	return startMinIO(t, false)
}

// StartMinIOTLS is StartMinIO for a server that serves HTTPS only, with a
// self-signed certificate for 127.0.0.1 made for the test: its Server's
// RootCAs trusts it, and Server.Client and Server.Transport use them.
func StartMinIOTLS(t testing.TB) *MinIO {
	t.Helper()
	return startMinIO(t, true)
}

func startMinIO(t testing.TB, withTLS bool) *MinIO {
	t.Helper()
	Shared(t)
	bin := os.Getenv(EnvMinIOBin)
	if bin == "" {
		t.Fatalf("%s is unset: run the tests through ./scripts/with-minio.sh", EnvMinIOBin)
	}
	dir := t.TempDir()
	m := &MinIO{
		t:       t,
		bin:     bin,
		data:    filepath.Join(dir, "data"),
		log:     filepath.Join(dir, "minio.log"),
		console: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		srv: Server{
			Endpoint: fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
			User:     "rg" + RandomHex(6),
			Password: RandomHex(12),
		},
	}
	if err := os.Mkdir(m.data, 0o700); err != nil {
		t.Fatalf("minio data folder: %v", err)
	}
	if withTLS {
		m.certs = filepath.Join(dir, "certs")
		pool, err := selfSigned(m.certs)
		if err != nil {
			t.Fatalf("minio certificate: %v", err)
		}
		m.srv.RootCAs = pool
	}
	m.Start()
	t.Cleanup(m.Kill)
	return m
}

// Server returns the server's endpoint and root credentials; they stay the
// same across Kill and Start.
func (m *MinIO) Server() Server { return m.srv }

// CertFile returns the PEM file of the certificate of a server started by
// StartMinIOTLS ("" for plain HTTP): what a process of a test trusts
// through SSL_CERT_FILE.
func (m *MinIO) CertFile() string {
	if m.certs == "" {
		return ""
	}
	return filepath.Join(m.certs, "public.crt")
}

// Endpoint returns the server's address, 127.0.0.1:PORT.
func (m *MinIO) Endpoint() string { return m.srv.Endpoint }

// Start starts the server on its port and data folder and waits until it
// is ready, failing the test when it exits or is not ready within 90
// seconds. It does nothing while the server runs.
func (m *MinIO) Start() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cmd != nil {
		return
	}
	args := []string{"server", "--quiet", "--address", m.srv.Endpoint, "--console-address", m.console}
	if m.certs != "" {
		args = append(args, "--certs-dir", m.certs)
	}
	cmd := exec.Command(m.bin, append(args, m.data)...)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+m.srv.User, "MINIO_ROOT_PASSWORD="+m.srv.Password,
		"MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off")
	logFile, err := os.OpenFile(m.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		m.t.Fatalf("minio log: %v", err)
	}
	defer logFile.Close() // the server has its own copy
	cmd.Stdout, cmd.Stderr = logFile, logFile
	readLog := func() string { b, _ := os.ReadFile(m.log); return string(b) }
	if err := cmd.Start(); err != nil {
		m.t.Fatalf("start minio: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	m.cmd, m.exited = cmd, exited
	client := &http.Client{Timeout: 2 * time.Second}
	if t := m.srv.Transport(); t != nil {
		client.Transport = t
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			m.cmd = nil
			m.t.Fatalf("minio exited while starting at %s: %v\n%s", m.srv.Endpoint, err, readLog())
		default:
		}
		if healthy(client, m.srv.Endpoint, m.certs != "") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	m.killLocked()
	m.t.Fatalf("minio at %s not ready after 90s\n%s", m.srv.Endpoint, readLog())
}

// healthy reports whether the server at endpoint is ready and serves
// requests: /minio/health/ready alone can answer 200 while the S3 API still
// says "Server not initialized yet" (seen on a loaded machine after a
// restart); /minio/health/cluster answers 200 only once the object layer
// is up.
func healthy(client *http.Client, endpoint string, https bool) bool {
	scheme := "http://"
	if https {
		scheme = "https://"
	}
	for _, path := range []string{"/minio/health/ready", "/minio/health/cluster"} {
		resp, err := client.Get(scheme + endpoint + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false
		}
	}
	return true
}

// Kill stops the server at once, as a crash would, and returns once it is
// gone and its port is closed. It does nothing when the server is not
// running.
func (m *MinIO) Kill() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.killLocked()
}

func (m *MinIO) killLocked() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
	m.cmd = nil
	for range 100 {
		c, err := net.DialTimeout("tcp", m.srv.Endpoint, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// EmptyBucket is a plain-HTTP stand-in for an S3 server holding one empty
// bucket, for tests that check how an endpoint is reached without a MinIO:
// it answers the HEAD of the bucket and ListObjectsV2 of it (no objects),
// answers 404 NoSuchKey to any other GET or HEAD, and 501 to the rest. It
// checks no signature. It stops when the test ends.
type EmptyBucket struct {
	// Host is the server's address, 127.0.0.1:PORT.
	Host string

	mu       sync.Mutex
	requests []string
}

// NewEmptyBucket starts an EmptyBucket holding bucket.
func NewEmptyBucket(t testing.TB, bucket string) *EmptyBucket {
	t.Helper()
	f := &EmptyBucket{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		root := r.URL.Path == "/"+bucket || r.URL.Path == "/"+bucket+"/"
		switch {
		case root && r.Method == http.MethodHead:
			w.WriteHeader(http.StatusOK)
		case root && r.Method == http.MethodGet && r.URL.Query().Get("list-type") == "2":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
				`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><Prefix>%s</Prefix>`+
				`<KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
				bucket, r.URL.Query().Get("prefix"))
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			if r.Method == http.MethodGet {
				fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>not found</Message></Error>`)
			}
		default:
			w.WriteHeader(http.StatusNotImplemented)
		}
	}))
	t.Cleanup(srv.Close)
	f.Host = strings.TrimPrefix(srv.URL, "http://")
	return f
}

// Requests returns "METHOD PATH" of every request served so far.
func (f *EmptyBucket) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// selfSigned writes a fresh self-signed certificate for 127.0.0.1, valid
// for a day, as MinIO's --certs-dir takes it (public.crt, private.key) into
// dir, and returns a pool that trusts it.
func selfSigned(dir string) (*x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "resultgen test minio"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "public.crt"), crt, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "private.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(crt)
	return pool, nil
}
