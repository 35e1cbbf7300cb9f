package s3

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/encrypt"
)

// ServerSide is a server-side encryption of objects (Config.SSE).
type ServerSide = encrypt.ServerSide

// SSES3 is SSE-S3: the server encrypts each object with keys it manages.
func SSES3() ServerSide { return encrypt.NewSSE() }

// SSEKMS is SSE-KMS: the server encrypts each object under the KMS key
// keyID ("" for the server's default KMS key).
func SSEKMS(keyID string) (ServerSide, error) {
	sse, err := encrypt.NewSSEKMS(keyID, nil)
	if err != nil {
		return nil, fmt.Errorf("sse-kms key %q: %w", keyID, err)
	}
	return sse, nil
}

// SSEC is SSE-C: the server encrypts each object with key, a 32-byte
// customer key the client sends with every request that writes or reads
// the object (over HTTPS only) and the server does not keep. An object
// does not read without the key it was written with (ErrSSECKey).
func SSEC(key []byte) (ServerSide, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sse-c: the customer key is %d bytes, want 32", len(key))
	}
	return encrypt.NewSSEC(key)
}

// The customer key of blocks with sse = "c", read from the environment
// only and never printed: RESULTGEN_SSE_C_KEY holds it in base64 (32
// bytes: `openssl rand -base64 32`), or RESULTGEN_SSE_C_KEY_FILE names a
// file holding the same; the variable wins when both are set.
const (
	EnvSSECKey     = "RESULTGEN_SSE_C_KEY"
	EnvSSECKeyFile = "RESULTGEN_SSE_C_KEY_FILE"
)

// ErrSSECKey is wrapped by the error of a read (or Touch, Delete) of an
// object stored with SSE-C that the server refuses: the store sends
// another customer key than the object's, or none (its block has no
// sse = "c"). The object is left as it is.
var ErrSSECKey = errors.New("sse-c customer key refused")

// errSSECPlainHTTP is Open's error for SSE-C on a plain-HTTP endpoint.
var errSSECPlainHTTP = errors.New(`sse-c needs HTTPS (servers refuse a customer key sent in the clear): use an https:// endpoint, or another sse`)

// ParseSSE reads a block's sse (settings.Block.SSE): "" (nil: the bucket's
// default), "s3", "kms", "kms:KEYID" or "c" (SSE-C, with the customer key
// that lookup finds in EnvSSECKey or the file EnvSSECKeyFile names; lookup
// is os.LookupEnv but in tests). Its errors never quote a key.
func ParseSSE(spec string, lookup func(string) (string, bool)) (ServerSide, error) {
	switch {
	case spec == "":
		return nil, nil
	case spec == "s3":
		return SSES3(), nil
	case spec == "kms":
		return SSEKMS("")
	case strings.HasPrefix(spec, "kms:") && len(spec) > len("kms:"):
		return SSEKMS(strings.TrimPrefix(spec, "kms:"))
	case spec == "c":
		key, err := SSECKeyFromEnv(lookup)
		if err != nil {
			return nil, err
		}
		return SSEC(key)
	}
	return nil, fmt.Errorf("%q is not a server-side encryption (want s3, kms, kms:KEYID or c)", spec)
}

// SSECKeyFromEnv returns the SSE-C customer key of the environment (see
// EnvSSECKey). Its errors name the variable or the file, never the key.
func SSECKeyFromEnv(lookup func(string) (string, bool)) ([]byte, error) {
	from, text := EnvSSECKey, ""
	if v, ok := lookup(EnvSSECKey); ok && v != "" {
		text = v
	} else if f, ok := lookup(EnvSSECKeyFile); ok && f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("sse-c: %s: %w", EnvSSECKeyFile, err)
		}
		from, text = EnvSSECKeyFile+" ("+f+")", string(b)
	} else {
		return nil, fmt.Errorf("sse-c needs the customer key: set %s to 32 bytes in base64 (openssl rand -base64 32), or %s to a file holding it", EnvSSECKey, EnvSSECKeyFile)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("sse-c: %s is not 32 bytes in base64 (openssl rand -base64 32)", from)
	}
	return key, nil
}

func isSSEC(sse ServerSide) bool { return sse != nil && sse.Type() == encrypt.SSEC }

// copySSE is the source encryption of a server-side copy of an object
// written with sse (SSE-C only; nil otherwise).
func copySSE(ssec ServerSide) ServerSide {
	if ssec == nil {
		return nil
	}
	return encrypt.SSECopy(ssec)
}

// statOptions are a HEAD's options: with the customer key under SSE-C.
func (s *Storage) statOptions() minio.StatObjectOptions {
	return minio.StatObjectOptions{ServerSideEncryption: s.ssec}
}

// sseCError is the error of a response to op (a read of an object: get,
// stat, touch, delete) that refuses the SSE-C customer key sent, or the
// lack of one; nil for any other. The servers say so in words only: a
// store with SSE-C reads 403 (another key; MinIO's and AWS's answer) and
// 400 (a key the object was not written with) as such, one without reads
// the 400 InvalidRequest "stored using a form of Server Side Encryption".
func (s *Storage) sseCError(op string, er minio.ErrorResponse) error {
	switch op {
	case "get", "stat", "touch", "delete":
	default:
		return nil
	}
	b := blockOf(s.block)
	switch {
	case s.ssec != nil && er.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s%w: access denied, so the object was written with another customer key than this store's (or these credentials may not read it); it is left as it is", b, ErrSSECKey)
	case s.ssec != nil && er.StatusCode == http.StatusBadRequest:
		return fmt.Errorf("%s%w: %s (an object written without sse = \"c\" does not read with a customer key)", b, ErrSSECKey, er.Message)
	case s.ssec == nil && er.Code == "InvalidRequest" && strings.Contains(er.Message, "Server Side Encryption"):
		return fmt.Errorf("%s%w: the object was written with SSE-C and this store sends no key: give its block sse = \"c\" and the key in %s or %s", b, ErrSSECKey, EnvSSECKey, EnvSSECKeyFile)
	}
	return nil
}

// blockOf is "block SLUG: " naming a store's block in an error, or "".
func blockOf(slug string) string {
	if slug == "" {
		return ""
	}
	return "block " + slug + ": "
}
