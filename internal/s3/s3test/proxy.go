package s3test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// Conditions says what a Proxy does with conditional writes (requests
// carrying If-None-Match or If-Match).
type Conditions int

const (
	// IgnoreConditions forwards conditional requests without their
	// conditions, as a server that ignores them would act: the request
	// succeeds whatever is at the key. SigV4 signs every header, so the
	// proxy signs the stripped request again with the server's
	// credentials (and decodes a streaming-signed body first).
	IgnoreConditions Conditions = iota + 1
	// RejectConditions answers conditional requests 501 NotImplemented,
	// as a server that knows it does not implement them would.
	RejectConditions
	// IgnoreCompleteConditions ignores the conditions of
	// CompleteMultipartUpload only (POST ?uploadId=), as gofakes3 v1.2.0
	// does, and passes conditional PUTs through.
	IgnoreCompleteConditions
)

// Proxy is an S3 endpoint on 127.0.0.1 in front of a real server that
// mishandles conditional writes as its Conditions say, and passes every
// other request through unchanged.
type Proxy struct {
	Server // the proxy's endpoint with the real server's credentials
	// Conditional counts the conditional requests it saw.
	Conditional atomic.Int64
	// Requests counts every request it saw.
	Requests atomic.Int64
}

// NewProxy starts a Proxy in front of srv, stopped when the test ends.
func NewProxy(t testing.TB, srv Server, c Conditions) *Proxy {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: srv.Endpoint}
	rp := httputil.NewSingleHostReverseProxy(target) // keeps the client's Host, which it signed
	p := &Proxy{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.Requests.Add(1)
		if r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Match") == "" {
			rp.ServeHTTP(w, r)
			return
		}
		p.Conditional.Add(1)
		if c == IgnoreCompleteConditions && r.Method != http.MethodPost {
			rp.ServeHTTP(w, r)
			return
		}
		if c == RejectConditions {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotImplemented)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
				`<Error><Code>NotImplemented</Code><Message>A header you provided implies functionality that is not implemented</Message>`+
				`<Resource>%s</Resource><RequestId>proxy</RequestId></Error>`, r.URL.Path)
			return
		}
		if err := resign(r, srv); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	p.Server = Server{Endpoint: strings.TrimPrefix(hs.URL, "http://"), User: srv.User, Password: srv.Password}
	return p
}

// resign drops r's conditions and signs it again with srv's credentials.
// A streaming-signed body (aws-chunked, whose chunk signatures chain from
// the header's signature) is decoded and sent whole with its SHA-256.
func resign(r *http.Request, srv Server) error {
	r.Header.Del("If-None-Match")
	r.Header.Del("If-Match")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body.Close()
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		if body, err = decodeChunked(body); err != nil {
			return err
		}
		r.Header.Del("X-Amz-Decoded-Content-Length")
		r.Header.Del("X-Amz-Trailer")
		if ce := r.Header.Get("Content-Encoding"); ce == "aws-chunked" {
			r.Header.Del("Content-Encoding")
		}
		sum := sha256.Sum256(body)
		r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.TransferEncoding = nil
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	r.Header.Del("Authorization")
	signed := signer.SignV4(*r, srv.User, srv.Password, "", Region)
	r.Header = signed.Header
	return nil
}

// decodeChunked reads an aws-chunked body: "SIZE;chunk-signature=SIG\r\n
// DATA\r\n" repeated, up to a chunk of size 0 (trailers after it are
// dropped).
func decodeChunked(b []byte) ([]byte, error) {
	br := bufio.NewReader(bytes.NewReader(b))
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		size, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(size, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("aws-chunked body: chunk size %q: %w", size, err)
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
		if _, err := br.Discard(2); err != nil { // CRLF
			return nil, fmt.Errorf("aws-chunked body: %w", err)
		}
	}
}
