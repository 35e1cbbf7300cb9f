package storage

import (
	"context"
	"iter"
	"time"
)

// Upload is a multipart upload that was started and neither completed nor
// aborted: a writer still at work, or one killed mid-upload. Its parts are
// invisible (no key shows them) but take space, and on AWS they are billed,
// until the upload is aborted.
type Upload struct {
	Key       string    // the key the upload would have written
	ID        string    // the upload id
	Initiated time.Time // when the upload was started (the server's clock)
	Size      int64     // bytes of the parts uploaded so far; -1 when unknown
}

// UploadLister is implemented by stores whose writes can leave incomplete
// uploads behind (S3's multipart uploads).
type UploadLister interface {
	// Uploads yields the incomplete uploads of keys starting with prefix,
	// in key order.
	Uploads(ctx context.Context, prefix string) iter.Seq2[Upload, error]
	// AbortUpload aborts u, dropping its parts. An upload already gone may
	// give an error wrapping ErrNotFound (servers differ).
	AbortUpload(ctx context.Context, u Upload) error
}
