package s3

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// sniffer is the transport of every client Open makes: it notes whether
// the server ever answered like an S3 server, so that a web server at the
// endpoint (whose plain 404 minio-go reads as "bucket does not exist") is
// named as what it is.
type sniffer struct {
	base      http.RoundTripper
	answered  atomic.Bool            // any HTTP response at all
	s3        atomic.Bool            // a response that looked like S3
	lastReply atomic.Pointer[string] // status and content type of the last response
}

func (t *sniffer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if resp != nil {
		t.answered.Store(true)
		if looksLikeS3(resp.Header) {
			t.s3.Store(true)
		}
		reply := resp.Status
		if ct := resp.Header.Get("Content-Type"); ct != "" {
			reply += " (" + ct + ")"
		}
		t.lastReply.Store(&reply)
	}
	return resp, err
}

// looksLikeS3 reports whether a response carries what S3 servers send:
// their request-id headers, their vendor headers, or an XML body.
func looksLikeS3(h http.Header) bool {
	for _, name := range []string{"X-Amz-Request-Id", "X-Amz-Id-2", "X-Amz-Bucket-Region"} {
		if h.Get(name) != "" {
			return true
		}
	}
	for name := range h {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-minio-") || strings.HasPrefix(n, "x-goog-") {
			return true
		}
	}
	if server := strings.ToLower(h.Get("Server")); strings.Contains(server, "amazons3") || strings.Contains(server, "minio") {
		return true
	}
	return strings.Contains(strings.ToLower(h.Get("Content-Type")), "xml")
}

// notS3 checks, after the bucket check failed, whether the endpoint is an
// S3 server at all: when nothing it answered looked like S3, a listing
// (which every S3 server answers with an XML body) gets one more chance.
// It returns the error to report instead, or nil.
func (t *sniffer) notS3(ctx context.Context, client *minio.Client, bucket, endpoint string) error {
	if t.s3.Load() || !t.answered.Load() || ctx.Err() != nil {
		return nil
	}
	lctx, cancel := context.WithCancel(ctx)
	for range client.ListObjects(lctx, bucket, minio.ListObjectsOptions{MaxKeys: 1}) {
		break
	}
	cancel()
	if t.s3.Load() {
		return nil
	}
	reply := "a response"
	if p := t.lastReply.Load(); p != nil {
		reply = *p
	}
	return fmt.Errorf("s3 open: the endpoint %s does not look like an S3 server: it answered %s without S3 headers or an XML body; "+
		"check the endpoint (a block's endpoint, else AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) names the S3 server's address and port", endpoint, reply)
}

// anonymous reports whether creds found no credentials, so that requests
// go unsigned; a provider that fetches them over HTTP (an instance's
// metadata service) uses the store's transport.
func anonymous(creds *credentials.Credentials, transport http.RoundTripper) bool {
	v, err := creds.GetWithContext(&credentials.CredContext{Client: &http.Client{Transport: transport}})
	return err != nil || v.SignerType.IsAnonymous() || v.AccessKeyID == ""
}

// anonymousFix is added to an access-denied error of an anonymous client.
const anonymousFix = "the request was anonymous: no credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
	"(with AWS_SESSION_TOKEN for temporary ones), or a profile in the shared credentials file " +
	"(AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; profile AWS_PROFILE, else default)"
