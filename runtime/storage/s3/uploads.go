package s3

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/runtime/storage"
)

var _ storage.UploadLister = (*Storage)(nil)

// Uploads yields the incomplete multipart uploads of keys starting with
// prefix, in key order: uploads still in progress (here or in another
// process) and uploads whose writer was killed, which no abort reached.
// Their parts are invisible but kept, and billed on AWS, until aborted
// (AbortUpload) or removed by the bucket's lifecycle rule
// AbortIncompleteMultipartUpload.
//
// The bucket's uploads are listed whole and filtered here: MinIO answers a
// ListMultipartUploads prefix only when it is a whole object name. Size
// costs one more request per upload (ListParts); it is -1 when that fails.
func (s *Storage) Uploads(ctx context.Context, prefix string) iter.Seq2[storage.Upload, error] {
	return func(yield func(storage.Upload, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.Upload{}, fmt.Errorf("s3 uploads: %w", err))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		want := s.prefix + prefix
		leases := s.prefix + leasesDir + "/"
		var ups []storage.Upload
		for u := range s.client.ListIncompleteUploads(ctx, s.bucket, "", true) {
			if u.Err != nil {
				yield(storage.Upload{}, s.wrap("list uploads", prefix, u.Err))
				return
			}
			if !strings.HasPrefix(u.Key, want) || strings.HasPrefix(u.Key, leases) {
				continue
			}
			ups = append(ups, storage.Upload{Key: strings.TrimPrefix(u.Key, s.prefix), ID: u.UploadID, Initiated: u.Initiated, Size: -1})
		}
		slices.SortStableFunc(ups, func(a, b storage.Upload) int { return strings.Compare(a.Key, b.Key) })
		for _, u := range ups {
			u.Size = s.uploadSize(ctx, u)
			if !yield(u, nil) {
				return
			}
		}
	}
}

// uploadSize sums the sizes of u's parts; -1 when they cannot be listed.
func (s *Storage) uploadSize(ctx context.Context, u storage.Upload) int64 {
	core := minio.Core{Client: s.client}
	var size int64
	marker := 0
	for {
		res, err := core.ListObjectParts(ctx, s.bucket, s.prefix+u.Key, u.ID, marker, 1000)
		if err != nil {
			return -1
		}
		for _, p := range res.ObjectParts {
			size += p.Size
		}
		if !res.IsTruncated {
			return size
		}
		marker = res.NextPartNumberMarker
	}
}

// AbortUpload aborts the incomplete upload u (as Uploads yielded it),
// dropping its parts. An upload already completed or aborted gives an error
// wrapping storage.ErrNotFound where the server says so (AWS does; MinIO
// accepts the abort again).
func (s *Storage) AbortUpload(ctx context.Context, u storage.Upload) error {
	name := s.prefix + u.Key
	if u.ID == "" {
		return fmt.Errorf("s3 abort upload %q: no upload id", u.Key)
	}
	err := minio.Core{Client: s.client}.AbortMultipartUpload(ctx, s.bucket, name, u.ID)
	if err != nil {
		if minio.ToErrorResponse(unwrapAll(err)).Code == "NoSuchUpload" {
			return fmt.Errorf("s3 abort upload %q: %w", u.Key, storage.ErrNotFound)
		}
		return s.wrap("abort upload", u.Key, err)
	}
	return nil
}
