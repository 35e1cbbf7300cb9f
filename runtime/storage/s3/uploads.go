package s3

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/runtime/storage"
)

var _ storage.UploadLister = (*Storage)(nil)

// uploadsDir is the folder, under the store's prefix, that holds the
// markers of multipart uploads: PREFIX/.uploads/<sha256 of the key, hex>/
// <random>, one per upload Put starts, holding the key. Put writes it
// before it starts the upload and removes it once the upload is completed
// or aborted, so a marker outlives only an upload that no one finished.
const uploadsDir = storage.UploadsDir

// marker is the body of an upload marker.
type marker struct {
	Key string `json:"key"`
}

// markerDir is the folder of key's markers, with a trailing slash.
func (s *Storage) markerDir(key string) string {
	sum := sha256.Sum256([]byte(key))
	return s.prefix + uploadsDir + "/" + hex.EncodeToString(sum[:]) + "/"
}

// markUpload writes a marker for an upload of key about to start and
// returns its object name.
func (s *Storage) markUpload(ctx context.Context, key string) (string, error) {
	body, err := json.Marshal(marker{Key: key})
	if err != nil {
		return "", err
	}
	name := s.markerDir(key) + randomHex(8)
	_, err = s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: "application/json", DisableMultipart: true})
	if err != nil {
		return "", s.wrap("put upload marker of", key, err)
	}
	return name, nil
}

// unmarkUpload removes the marker name of a finished upload of key, even
// when ctx is cancelled. A marker it cannot remove is only a small object:
// Uploads finds no upload through it, and AbortUpload of an upload of the
// same key removes it.
func (s *Storage) unmarkUpload(ctx context.Context, key, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		s.log.Debug("s3 could not remove an upload marker", "store", s.String(), "key", key, "marker", name, "err", err)
	}
}

// Uploads yields the incomplete multipart uploads of keys starting with
// prefix, in key order: uploads still in progress (here or in another
// process) and uploads whose writer was killed, which no abort reached.
// Their parts are invisible but kept, and billed on AWS, until aborted
// (AbortUpload) or removed by the bucket's lifecycle rule
// AbortIncompleteMultipartUpload.
//
// MinIO answers a ListMultipartUploads prefix only when it is a whole
// object name, and lists a bucket's uploads whole only from memory, which
// a restart empties. So the uploads are gathered three ways, and each is
// yielded once:
//   - the bucket's uploads listed whole (complete on AWS, and on MinIO
//     since its last start), filtered by the store's prefix;
//   - the keys of the markers Put writes beside every multipart upload
//     (uploadsDir), each asked for the uploads of its exact object name;
//   - the keys of the store's objects (List), each asked likewise, for
//     uploads that have no marker (another client's, or an older
//     resultgen's) at a key that holds a record. This costs one request
//     per object.
//
// Uploads of object names outside the store's prefix are never listed, nor
// uploads at a name under it that neither a marker nor an object names
// once MinIO has restarted. Size costs one more request per upload
// (ListParts); it is -1 when that fails.
func (s *Storage) Uploads(ctx context.Context, prefix string) iter.Seq2[storage.Upload, error] {
	return func(yield func(storage.Upload, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.Upload{}, fmt.Errorf("s3 uploads: %w", err))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ups := map[string]storage.Upload{} // by upload id
		add := func(u minio.ObjectMultipartInfo) {
			ups[u.UploadID] = storage.Upload{Key: strings.TrimPrefix(u.Key, s.prefix), ID: u.UploadID, Initiated: u.Initiated, Size: -1}
		}
		want := s.prefix + prefix
		leases := s.prefix + leasesDir + "/"
		for u := range s.client.ListIncompleteUploads(ctx, s.bucket, "", true) {
			if u.Err != nil {
				yield(storage.Upload{}, s.wrap("list uploads", prefix, u.Err))
				return
			}
			if strings.HasPrefix(u.Key, want) && !strings.HasPrefix(u.Key, leases) {
				add(u)
			}
		}
		keys, err := s.markedKeys(ctx, prefix)
		if err != nil {
			yield(storage.Upload{}, err)
			return
		}
		for info, err := range s.List(ctx, prefix) {
			if err != nil {
				yield(storage.Upload{}, err)
				return
			}
			keys = append(keys, info.Key)
		}
		slices.Sort(keys)
		for _, key := range slices.Compact(keys) {
			name := s.prefix + key
			for u := range s.client.ListIncompleteUploads(ctx, s.bucket, name, true) {
				if u.Err != nil {
					yield(storage.Upload{}, s.wrap("list uploads", key, u.Err))
					return
				}
				if u.Key == name {
					add(u)
				}
			}
		}
		sorted := make([]storage.Upload, 0, len(ups))
		for _, u := range ups {
			sorted = append(sorted, u)
		}
		slices.SortFunc(sorted, func(a, b storage.Upload) int {
			if c := strings.Compare(a.Key, b.Key); c != 0 {
				return c
			}
			if c := a.Initiated.Compare(b.Initiated); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for _, u := range sorted {
			u.Size = s.uploadSize(ctx, u)
			if !yield(u, nil) {
				return
			}
		}
	}
}

// markedKeys returns the keys starting with prefix that upload markers
// name, each once. A marker that does not name a valid key hashing to its
// folder was not written by Put and is ignored.
func (s *Storage) markedKeys(ctx context.Context, prefix string) ([]string, error) {
	dir := s.prefix + uploadsDir + "/"
	seen := map[string]bool{} // marker folders read
	var keys []string
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: dir, Recursive: true}) {
		if oi.Err != nil {
			return nil, s.wrap("list upload markers", "", oi.Err)
		}
		folder, _, ok := strings.Cut(strings.TrimPrefix(oi.Key, dir), "/")
		if !ok || seen[folder] {
			continue
		}
		key, err := s.readMarker(ctx, oi.Key)
		if err != nil {
			return nil, err
		}
		if key == "" || s.markerDir(key) != dir+folder+"/" {
			continue // not a marker of ours, or gone meanwhile: try the folder's next one
		}
		seen[folder] = true
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// readMarker returns the key the marker object name holds; "" when it is
// gone or holds no valid key.
func (s *Storage) readMarker(ctx context.Context, name string) (string, error) {
	rc, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(unwrapAll(err)).Code == "NoSuchKey" {
			return "", nil
		}
		return "", s.wrap("get upload marker", "", err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, 4<<10))
	if err != nil {
		return "", s.wrap("get upload marker", "", err)
	}
	var m marker
	if json.Unmarshal(body, &m) != nil || storage.ValidateKey(m.Key) != nil {
		return "", nil
	}
	return m.Key, nil
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
// accepts the abort again). Once no upload of u's key is left, it removes
// the key's upload markers written before u was started (Uploads yields a
// key's uploads oldest first, so aborting them all removes them all).
func (s *Storage) AbortUpload(ctx context.Context, u storage.Upload) error {
	name := s.prefix + u.Key
	if u.ID == "" {
		return fmt.Errorf("s3 abort upload %q: no upload id", u.Key)
	}
	err := minio.Core{Client: s.client}.AbortMultipartUpload(ctx, s.bucket, name, u.ID)
	if err != nil {
		if minio.ToErrorResponse(unwrapAll(err)).Code == "NoSuchUpload" {
			err = fmt.Errorf("s3 abort upload %q: %w", u.Key, storage.ErrNotFound)
		} else {
			return s.wrap("abort upload", u.Key, err)
		}
	}
	if merr := s.removeMarkers(ctx, u); merr != nil {
		return merr
	}
	return err
}

// markerSlack allows for the rounding of the server's timestamps when
// removeMarkers compares a marker's with an upload's start.
const markerSlack = time.Second

// removeMarkers removes the markers of u's key written before u was
// started, unless an upload of the key is still incomplete.
func (s *Storage) removeMarkers(ctx context.Context, u storage.Upload) error {
	name := s.prefix + u.Key
	for o := range s.client.ListIncompleteUploads(ctx, s.bucket, name, true) {
		if o.Err != nil {
			return s.wrap("list uploads", u.Key, o.Err)
		}
		if o.Key == name {
			return nil // still in progress, or still to abort: its marker stays
		}
	}
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.markerDir(u.Key), Recursive: true}) {
		if oi.Err != nil {
			return s.wrap("list upload markers", u.Key, oi.Err)
		}
		if oi.LastModified.After(u.Initiated.Add(markerSlack)) {
			continue // a writer about to start an upload of the key
		}
		if err := s.client.RemoveObject(ctx, s.bucket, oi.Key, minio.RemoveObjectOptions{}); err != nil {
			return s.wrap("remove upload marker of", u.Key, err)
		}
	}
	return nil
}
