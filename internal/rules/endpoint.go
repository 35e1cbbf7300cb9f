package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// ErrBadEndpoint is wrapped by every error of ParseEndpoint and
// Endpoint.PlainHTTP.
var ErrBadEndpoint = errors.New("bad s3 endpoint")

// EndpointError is the error of ParseEndpoint and Endpoint.PlainHTTP.
// errors.Is(err, ErrBadEndpoint) holds for it.
type EndpointError struct {
	Endpoint string // as given, redacted by Redact
	Reason   string // what is wrong
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("%v %q: %s", ErrBadEndpoint, e.Endpoint, e.Reason)
}

func (e *EndpointError) Unwrap() error { return ErrBadEndpoint }

// Endpoint is an S3 server address as users write it: in a block's
// endpoint, in `resultgen block create -endpoint`, in AWS_ENDPOINT_URL_S3
// or AWS_ENDPOINT_URL, or in Config.Endpoint.
type Endpoint struct {
	// Host is HOST or HOST:PORT ([IPv6] or [IPv6]:PORT), what minio-go
	// dials.
	Host string
	// Scheme is "http" (plain HTTP), "https" (TLS) or "" for a bare
	// HOST[:PORT], whose TLS follows the insecure setting.
	Scheme string
}

var hostName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$`)

// ParseEndpoint is the one parser of S3 endpoints (runtime/storage/s3
// re-exports it). It accepts
//
//	HOST[:PORT]            TLS unless the insecure setting is on
//	http://HOST[:PORT]     plain HTTP
//	https://HOST[:PORT]    TLS
//
// with an optional trailing "/". It refuses other schemes, a path, a query
// or fragment, credentials (user:pass@; the error shows them as
// "***", never their text) and a port outside 1..65535. Errors are
// *EndpointError values, quoting the endpoint as Redact returns it.
func ParseEndpoint(raw string) (Endpoint, error) {
	bad := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, &EndpointError{Endpoint: Redact(raw), Reason: fmt.Sprintf(format, args...)}
	}
	if raw == "" {
		return bad("empty")
	}
	if strings.Contains(raw, "@") {
		return bad("credentials do not belong in the endpoint; they come from the standard AWS variables and files")
	}
	var ep Endpoint
	rest := raw
	if scheme, after, ok := strings.Cut(raw, "://"); ok {
		switch strings.ToLower(scheme) {
		case "http", "https":
			ep.Scheme = strings.ToLower(scheme)
		default:
			return bad("scheme %q is not http:// or https://", scheme)
		}
		rest = after
	}
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	switch {
	case tail == "" || tail == "/":
	case strings.Contains(tail, "?"):
		return bad("an endpoint has no query")
	case strings.Contains(tail, "#"):
		return bad("an endpoint has no fragment")
	default:
		return bad("path %q after the host is not supported (the bucket and prefix go in the s3:// URL)", tail)
	}
	host := authority
	if strings.Contains(authority, ":") && !(strings.HasPrefix(authority, "[") && strings.HasSuffix(authority, "]")) {
		h, port, ok := splitHostPort(authority)
		if !ok {
			return bad("want HOST[:PORT]")
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port != strconv.Itoa(n) {
			return bad("port %q is not a number from 1 to 65535", port)
		}
		host = h
	} else if strings.HasPrefix(authority, "[") {
		host = strings.TrimSuffix(strings.TrimPrefix(authority, "["), "]")
	}
	switch {
	case host == "":
		return bad("no host")
	case strings.Contains(host, ":"): // IPv6, written in brackets
		if ip, err := netip.ParseAddr(host); err != nil || ip.Zone() != "" || !strings.HasPrefix(authority, "[") {
			return bad("%q is not a host name or address", host)
		}
	case !hostName.MatchString(host):
		return bad("%q is not a host name or address", host)
	}
	ep.Host = authority
	return ep, nil
}

// PlainHTTP reports whether to talk plain HTTP to ep, given the insecure
// setting that goes with it; set tells an insecure = false written out
// from one left out (an insecure of true is always taken as set):
//
//   - http://: plain HTTP; an insecure = false written out contradicts it.
//   - https://: TLS; insecure = true contradicts it.
//   - bare HOST[:PORT]: plain HTTP exactly when insecure is true.
//
// A contradiction is an *EndpointError.
func (ep Endpoint) PlainHTTP(insecure, set bool) (bool, error) {
	switch ep.Scheme {
	case "http":
		if set && !insecure {
			return false, &EndpointError{Endpoint: ep.String(), Reason: "http:// (plain HTTP) contradicts insecure = false; write https:// for TLS, or leave insecure out"}
		}
		return true, nil
	case "https":
		if insecure {
			return false, &EndpointError{Endpoint: ep.String(), Reason: "https:// (TLS) contradicts insecure = true; write http:// for plain HTTP, or leave insecure out"}
		}
		return false, nil
	}
	return insecure, nil
}

// String returns the endpoint as written: "scheme://host" or "host".
func (ep Endpoint) String() string {
	if ep.Scheme == "" {
		return ep.Host
	}
	return ep.Scheme + "://" + ep.Host
}

// ResolveEndpoint parses raw with ParseEndpoint and returns the host to dial
// and whether to use plain HTTP (see Endpoint.PlainHTTP, with insecure
// taken as set only when true).
func ResolveEndpoint(raw string, insecure bool) (host string, plainHTTP bool, err error) {
	ep, err := ParseEndpoint(raw)
	if err != nil {
		return "", false, err
	}
	plain, err := ep.PlainHTTP(insecure, insecure)
	if err != nil {
		return "", false, err
	}
	return ep.Host, plain, nil
}

// splitHostPort splits "HOST:PORT" or "[IPv6]:PORT" as net.SplitHostPort
// does (rules imports no networking package); ok is false for anything
// else, such as a colon too many or a stray bracket.
func splitHostPort(a string) (host, port string, ok bool) {
	if rest, v6 := strings.CutPrefix(a, "["); v6 {
		host, port, ok = strings.Cut(rest, "]:")
	} else {
		host, port, ok = strings.Cut(a, ":")
		ok = ok && !strings.ContainsAny(host, "[]")
	}
	return host, port, ok && !strings.ContainsAny(port, "[]:")
}
