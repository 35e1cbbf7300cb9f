package s3

import (
	"fmt"
	"strings"

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

// ParseSSE reads a block's sse (settings.Block.SSE): "" (nil: the bucket's
// default), "s3", "kms" or "kms:KEYID".
func ParseSSE(spec string) (ServerSide, error) {
	switch {
	case spec == "":
		return nil, nil
	case spec == "s3":
		return SSES3(), nil
	case spec == "kms":
		return SSEKMS("")
	case strings.HasPrefix(spec, "kms:") && len(spec) > len("kms:"):
		return SSEKMS(strings.TrimPrefix(spec, "kms:"))
	}
	return nil, fmt.Errorf("%q is not a server-side encryption (want s3, kms or kms:KEYID)", spec)
}
