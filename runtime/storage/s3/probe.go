package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// ErrNoConditionalWrites is matched (errors.Is) by the error of an
// operation that needs a conditional write the server does not honour:
// Put with IfAbsent and Lock. The error is a *ConditionalWriteError naming
// the server and the missing feature.
var ErrNoConditionalWrites = errors.New("s3: the server does not honour conditional writes")

// Feature is one conditional operation this package relies on.
type Feature int

// The conditional operations this package relies on, each probed once per
// Storage (see the package doc, "Conditional writes").
const (
	// PutIfNoneMatch is PutObject with If-None-Match: *: Put with IfAbsent
	// (one request) and taking a lease.
	PutIfNoneMatch Feature = iota
	// PutIfMatch is PutObject with If-Match: <ETag>: taking over an expired
	// lease, renewing and releasing one.
	PutIfMatch
	// CompleteIfNoneMatch is CompleteMultipartUpload with If-None-Match: *:
	// Put with IfAbsent of a body longer than Config.PartSize.
	CompleteIfNoneMatch
	numFeatures
)

func (f Feature) String() string {
	switch f {
	case PutIfNoneMatch:
		return "If-None-Match: * on PutObject"
	case PutIfMatch:
		return "If-Match on PutObject"
	case CompleteIfNoneMatch:
		return "If-None-Match: * on CompleteMultipartUpload"
	}
	return fmt.Sprintf("Feature(%d)", int(f))
}

// ConditionalWriteError says that the server does not honour a
// conditional operation an operation needs. It matches
// ErrNoConditionalWrites. It never holds credentials.
type ConditionalWriteError struct {
	Op       string  // the refused operation: "put" or "lock"
	Key      string  // its key
	Store    string  // the store, "s3://BUCKET/PREFIX"
	Endpoint string  // the server, HOST:PORT
	Feature  Feature // what the server does not honour
	// Found is what the probe saw, e.g. "a second conditional PUT of an
	// existing object succeeded".
	Found string
}

// Error names the operation, the key and the server, as the store's other
// errors do; the caller names the store (Store), once.
func (e *ConditionalWriteError) Error() string {
	return fmt.Sprintf("s3 %s %q: the server at %s does not honour %s (%s), which %s needs to stay correct "+
		"when processes race; refused rather than risk silently lost or duplicated work: use a server that honours "+
		"conditional writes (AWS S3, MinIO), or a local store",
		e.Op, e.Key, e.Endpoint, e.Feature, e.Found, needs(e.Op))
}

func needs(op string) string {
	if op == "lock" {
		return "a lease (isolation=serializable, named runs)"
	}
	return "a write-if-absent commit"
}

func (e *ConditionalWriteError) Is(target error) bool { return target == ErrNoConditionalWrites }

// condProbe is the result of the probe of one Storage, made on first need
// and kept for the Storage's life. A probe that failed for another reason
// (network, permissions, a cancelled context) is not kept: the next
// operation that needs it probes again.
type condProbe struct {
	mu    sync.Mutex
	done  bool
	found [numFeatures]string // "" when honoured, else what the probe saw
	stats ProbeStats
}

// ProbeStats says what the probe of conditional writes cost.
type ProbeStats struct {
	Probes   int           // probes run to completion (1 once probed)
	Requests int           // requests they sent
	Took     time.Duration // time they took
}

// ProbeStats reports what probing the server's conditional writes cost so
// far: a Storage probes once, on the first operation that needs one.
func (s *Storage) ProbeStats() ProbeStats {
	s.cond.mu.Lock()
	defer s.cond.mu.Unlock()
	return s.cond.stats
}

// need returns nil when the server honours each of features, probing it
// on first use; else a *ConditionalWriteError for op on key.
func (s *Storage) need(ctx context.Context, op, key string, features ...Feature) error {
	s.cond.mu.Lock()
	defer s.cond.mu.Unlock()
	if !s.cond.done {
		start := time.Now()
		n, err := s.probe(ctx, &s.cond.found)
		s.cond.stats.Requests += n
		s.cond.stats.Took += time.Since(start)
		if err != nil {
			s.cond.found = [numFeatures]string{}
			return fmt.Errorf("s3 %s %q: probing the server's conditional writes: %w", op, key, s.wrap("probe", "", err))
		}
		s.cond.done = true
		s.cond.stats.Probes++
		var missing []string
		for f, why := range s.cond.found {
			if why != "" {
				missing = append(missing, Feature(f).String()+" ("+why+")")
			}
		}
		if len(missing) > 0 {
			s.log.Warn("s3 server does not honour conditional writes: what needs them is refused",
				"store", s.String(), "endpoint", s.endpoint, "missing", strings.Join(missing, "; "))
		}
	}
	for _, f := range features {
		if why := s.cond.found[f]; why != "" {
			return &ConditionalWriteError{Op: op, Key: key, Store: s.String(), Endpoint: s.endpoint, Feature: f, Found: why}
		}
	}
	return nil
}

// probeDir is the folder of the probe's objects, inside the reserved lease
// folder (listed by nobody); probe objects never collide with leases,
// whose names are 64 hex digits.
const probeDir = leasesDir + "/probe-"

// probe tries each Feature on a fresh object under probeDir and records in
// found what a server that does not honour it did. It returns the number
// of requests sent, and an error when the server failed otherwise.
// Requests, with the answers of a server that honours them:
//
//  1. PUT If-None-Match: * of an absent object: 200.
//  2. PUT If-None-Match: * again: 412.
//  3. PUT If-Match: <its ETag>: 200.
//  4. PUT If-Match: <another ETag>: 412.
//  5. a one-part multipart upload of the same object completed with
//     If-None-Match: *: 412 on the completion (then aborted).
//  6. DELETE of the object.
func (s *Storage) probe(ctx context.Context, found *[numFeatures]string) (requests int, err error) {
	name := s.prefix + probeDir + randomHex(8)
	core := minio.Core{Client: s.client}
	put := func(cond func(*minio.PutObjectOptions)) (string, error) {
		requests++
		po := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true}
		if cond != nil {
			cond(&po)
		}
		info, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader([]byte("probe")), 5, po)
		return info.ETag, err
	}
	ifNoneMatch := func(po *minio.PutObjectOptions) { po.SetMatchETagExcept("*") }
	created := false
	defer func() {
		if !created {
			return
		}
		requests++
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
		defer cancel()
		if derr := s.client.RemoveObject(dctx, s.bucket, name, minio.RemoveObjectOptions{}); derr != nil {
			s.log.Warn("s3 cannot remove the object of the conditional-write probe; remove it by hand",
				"store", s.String(), "object", name, "err", s.wrap("delete", "", derr))
		}
	}()

	// PutIfNoneMatch
	etag, err := put(ifNoneMatch)
	switch {
	case err == nil:
		created = true
		_, err = put(ifNoneMatch)
		switch {
		case preconditionFailed(err):
		case err == nil:
			found[PutIfNoneMatch] = "a second conditional PUT of an existing object succeeded: the condition was ignored"
		case rejected(err):
			found[PutIfNoneMatch] = "rejected on an existing object: " + answer(err)
		default:
			return requests, err
		}
	case rejected(err):
		found[PutIfNoneMatch] = "rejected: " + answer(err)
		if etag, err = put(nil); err != nil {
			return requests, err
		}
		created = true
	case preconditionFailed(err):
		found[PutIfNoneMatch] = "a conditional PUT of an absent object failed: " + answer(err)
		if etag, err = put(nil); err != nil {
			return requests, err
		}
		created = true
	default:
		return requests, err
	}

	// PutIfMatch: the object's own ETag passes, another fails.
	_, err = put(func(po *minio.PutObjectOptions) { po.SetMatchETag(etag) })
	switch {
	case err == nil:
		_, err = put(func(po *minio.PutObjectOptions) { po.SetMatchETag("00000000000000000000000000000000") })
		switch {
		case preconditionFailed(err):
		case err == nil:
			found[PutIfMatch] = "a PUT with If-Match of another ETag succeeded: the condition was ignored"
		case rejected(err):
			found[PutIfMatch] = "rejected: " + answer(err)
		default:
			return requests, err
		}
	case rejected(err), preconditionFailed(err):
		found[PutIfMatch] = "a PUT with If-Match of the object's own ETag failed: " + answer(err)
	default:
		return requests, err
	}

	// CompleteIfNoneMatch: a one-part upload (any size is allowed for the
	// last, here only, part) onto the existing object.
	requests++
	id, err := core.NewMultipartUpload(ctx, s.bucket, name, minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return requests, err
	}
	completed := false
	defer func() {
		if completed {
			return
		}
		requests++
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
		defer cancel()
		// A server may drop the upload on a failed completion: then the
		// abort finds nothing, which is fine.
		if aerr := core.AbortMultipartUpload(actx, s.bucket, name, id); aerr != nil && minio.ToErrorResponse(unwrapAll(aerr)).Code != "NoSuchUpload" {
			s.log.Warn("s3 cannot abort the upload of the conditional-write probe; the server drops its parts later",
				"store", s.String(), "object", name, "err", s.wrap("abort", "", aerr))
		}
	}()
	requests++
	part, err := core.PutObjectPart(ctx, s.bucket, name, id, 1, bytes.NewReader([]byte("probe")), 5, minio.PutObjectPartOptions{})
	if err != nil {
		return requests, err
	}
	var co minio.PutObjectOptions
	co.SetMatchETagExcept("*")
	requests++
	_, err = core.CompleteMultipartUpload(ctx, s.bucket, name, id, []minio.CompletePart{{PartNumber: 1, ETag: part.ETag}}, co)
	switch {
	case preconditionFailed(err):
	case err == nil:
		completed = true
		found[CompleteIfNoneMatch] = "a conditional completion of an upload onto an existing object succeeded: the condition was ignored"
	case rejected(err):
		found[CompleteIfNoneMatch] = "rejected: " + answer(err)
	default:
		return requests, err
	}
	return requests, nil
}

// rejected reports a server's refusal of a request it does not implement
// (501 NotImplemented, or a 400 naming an unsupported header).
func rejected(err error) bool {
	er := minio.ToErrorResponse(unwrapAll(err))
	return er.StatusCode == http.StatusNotImplemented || er.Code == "NotImplemented" ||
		(er.StatusCode == http.StatusBadRequest && (er.Code == "InvalidArgument" || er.Code == "InvalidRequest"))
}

// answer words a server's error response: "501 NotImplemented: message".
func answer(err error) string {
	er := minio.ToErrorResponse(unwrapAll(err))
	if er.StatusCode == 0 {
		return err.Error()
	}
	s := fmt.Sprintf("%d %s", er.StatusCode, er.Code)
	if er.Message != "" {
		s += ": " + er.Message
	}
	return s
}
