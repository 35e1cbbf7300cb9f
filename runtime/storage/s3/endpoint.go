package s3

import "github.com/resultgen/resultgen/internal/rules"

// The endpoint grammar is part of resultgen's vocabulary (package
// internal/rules), which the settings check without linking this package.

// ErrBadEndpoint is wrapped by every error of ParseEndpoint and
// Endpoint.PlainHTTP.
var ErrBadEndpoint = rules.ErrBadEndpoint

// EndpointError is the error of ParseEndpoint and Endpoint.PlainHTTP:
// the endpoint as given, redacted (Endpoint), and what is wrong (Reason).
// errors.Is(err, ErrBadEndpoint) holds for it.
type EndpointError = rules.EndpointError

// Endpoint is an S3 server address as users write it: in a block's
// endpoint, in `resultgen block create -endpoint`, in AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL, or in Config.Endpoint. Host is HOST or HOST:PORT,
// what minio-go dials; Scheme is "http", "https" or "" for a bare
// HOST[:PORT], whose TLS follows the insecure setting (PlainHTTP).
type Endpoint = rules.Endpoint

// ParseEndpoint is the one parser of S3 endpoints:
//
//	HOST[:PORT]            TLS unless the insecure setting is on
//	http://HOST[:PORT]     plain HTTP
//	https://HOST[:PORT]    TLS
//
// with an optional trailing "/". It refuses other schemes, a path, a query
// or fragment, credentials (shown as "***", never their text) and a port
// outside 1..65535, with an *EndpointError.
func ParseEndpoint(raw string) (Endpoint, error) { return rules.ParseEndpoint(raw) }

// ResolveEndpoint parses raw with ParseEndpoint and returns the host to dial
// and whether to use plain HTTP (see Endpoint.PlainHTTP, with insecure
// taken as set only when true).
func ResolveEndpoint(raw string, insecure bool) (host string, plainHTTP bool, err error) {
	return rules.ResolveEndpoint(raw, insecure)
}
