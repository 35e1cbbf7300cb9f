package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/resultgen/resultgen/internal/appendjson"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Part sizes of streamed uploads.
const (
	// DefaultPartSize is the part size used when Config.PartSize is 0.
	DefaultPartSize int64 = 16 << 20
	// MinPartSize is the smallest part S3 accepts (except for the last).
	MinPartSize int64 = 5 << 20
	// MaxPartSize is the largest part S3 accepts.
	MaxPartSize int64 = 5 << 30
)

// DefaultEndpoint is the endpoint used when neither Config.Endpoint nor the
// AWS endpoint variables name one.
const DefaultEndpoint = "s3.amazonaws.com"

// leasesDir is the folder, under the store's prefix, that holds lease
// objects. Keys inside it are reserved.
const leasesDir = ".locks" // the name every backend reserves (storage.ValidateKey)

// packedMeta is the user-metadata entry that holds all of Put's metadata:
// a JSON object of names to values (names as given, sorted). One entry,
// not one per name: the server stores, and every GET and HEAD returns,
// each entry as a header of its own, which cost the server and the client
// time on each request (P5 S3 hit 1 KiB, a record's 11 entries against
// one, medians of 3 runs of 4,000: 1,013 -> 904 µs an op, MinIO's CPU
// 852 -> 795 µs, the client's 352 -> 325 µs; minio-go alone 940 µs).
const packedMeta = "Resultgen-Meta"

// namesMeta is the user-metadata entry that, before packedMeta, recorded
// the caller's spelling of the metadata names, each stored in an entry of
// its own (S3 folds their case). Stat still reads such objects; the name
// stays reserved.
const namesMeta = "Resultgen-Meta-Names"

// Config says where a Storage keeps its objects and how it reaches them.
type Config struct {
	// Bucket is the bucket name; it must exist, unless CreateBucket.
	Bucket string
	// CreateBucket makes Open create the bucket (in Region) when it does
	// not exist, instead of failing with ErrNoBucket; Storage.CreatedBucket
	// then reports true.
	CreateBucket bool
	// Prefix is the key prefix inside the bucket, without leading or
	// trailing slash; "" uses the bucket's root. Key K is stored as the
	// object "Prefix/K".
	Prefix string
	// Endpoint is the server as ParseEndpoint reads it: HOST[:PORT],
	// http://HOST[:PORT] or https://HOST[:PORT]; "" means DefaultEndpoint.
	Endpoint string
	// Region is the bucket's region; "" lets the client ask the server.
	Region string
	// Insecure selects plain HTTP instead of HTTPS for a bare Endpoint
	// (an http:// Endpoint is plain HTTP anyway; an https:// one with
	// Insecure is refused as a contradiction).
	Insecure bool
	// PartSize is the part size of streamed uploads: a body longer than
	// this is sent in parts of this size (the last may be up to 64 KiB
	// longer, so that a record's header and trailer do not make a part of
	// their own), up to 4 at a time. A record's large value is sent from
	// its own memory; any other body is read into part buffers, at most 4
	// (which later uploads reuse until the garbage collector reclaims
	// them). 0 means DefaultPartSize; otherwise it must lie within
	// [MinPartSize, MaxPartSize].
	PartSize int64
	// Credentials signs requests; nil uses the standard chain read from the
	// process environment (see ConfigFromEnv).
	Credentials *credentials.Credentials
	// MaxRetries bounds how often one request is retried on a network or
	// server error; 0 keeps the client's default (10).
	MaxRetries int
	// Owner names this process in lease objects; "" uses
	// "HOSTNAME/PID/RANDOM".
	Owner string
	// DisableLeaseRenew stops Lock from renewing a held lease in the
	// background: the lease then expires ttl after it was taken even while
	// held.
	DisableLeaseRenew bool
	// Logger receives lease renewal problems; nil uses slog.Default().
	Logger *slog.Logger
	// Transport replaces the HTTP transport (for custom TLS roots or
	// proxies); nil uses the client's default, which keeps up to
	// max(16, ReadAhead) idle connections to the server warm for reuse.
	Transport http.RoundTripper
	// ReadAhead is how many GETs the runtime may have in flight at once
	// when it reads a flow run's records ahead of its tasks (see
	// storage.ReadAheader); 0 means DefaultReadAhead, a negative value
	// turns reading ahead off.
	ReadAhead int
	// SSE asks the server to encrypt the objects Put writes (and Touch
	// rewrites): SSE-S3 (SSES3) or SSE-KMS with a key id (SSEKMS), for
	// which reads need nothing, or SSE-C (SSEC), whose customer key goes
	// with every request that writes or reads an object (HTTPS only); nil
	// leaves it to the bucket's default encryption. An object written
	// with SSE-C does not read without its key: see ErrSSECKey.
	SSE ServerSide
	// Block is the slug of the storage block the store is opened for
	// ("s3/prod"; "" for none), named in the errors whose fix is in the
	// block's settings (SSE-C).
	Block string
}

// DefaultReadAhead is Config.ReadAhead's default: enough parallel GETs to
// hide a round trip of about a millisecond behind the work of a flow that
// reads back 1 KiB records, without crowding a small server.
const DefaultReadAhead = 16

// Storage is a storage.Storage on an S3-compatible server. It also
// implements storage.RangeGetter and storage.Locker. It is safe for
// concurrent use.
type Storage struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or "p/" with a trailing slash
	endpoint string
	partSize int64
	parts    sync.Pool // *[]byte of partSize: part buffers of finished uploads
	owner    string
	renew    bool
	log      *slog.Logger
	sse      ServerSide       // Config.SSE
	ssec     ServerSide       // Config.SSE when it is SSE-C (reads send it too), else nil
	block    string           // Config.Block
	local    storage.KeyMutex // in-process queue in front of the leases
	cond     condProbe        // which conditional writes the server honours
	// anonymous: no credentials were found, so requests go unsigned and
	// an access-denied error says so.
	anonymous bool
	created   bool // Open made the bucket (Config.CreateBucket)
	readAhead int  // see ReadAhead
}

// ErrNoBucket is wrapped by Open's error when the bucket does not exist
// on the server (and Config.CreateBucket is not set).
var ErrNoBucket = errors.New("bucket does not exist")

// CreatedBucket reports whether Open created the store's bucket
// (Config.CreateBucket).
func (s *Storage) CreatedBucket() bool { return s.created }

var (
	_ storage.Toucher     = (*Storage)(nil)
	_ storage.Storage     = (*Storage)(nil)
	_ storage.KeyChecker  = (*Storage)(nil)
	_ storage.RangeGetter = (*Storage)(nil)
	_ storage.Locker      = (*Storage)(nil)
	_ storage.ReadAheader = (*Storage)(nil)

	_ storage.LockInspector = (*Storage)(nil)
)

// ParseURL splits "s3://BUCKET/PREFIX" into its bucket and prefix, by the
// grammar of package spec (the one every storage spec is parsed with). The
// prefix loses its trailing slash and may be empty ("s3://BUCKET"). URLs
// with credentials, a query or a fragment are refused: credentials never
// come from a URL.
func ParseURL(s string) (bucket, prefix string, err error) {
	return rules.ParseS3URL(s)
}

// ConfigFromEnv builds the Config of the store at url ("s3://BUCKET/PREFIX")
// from the standard AWS settings, read through lookup (os.LookupEnv in
// production, a map in tests):
//
//   - AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL: the endpoint, parsed by
//     ParseEndpoint: "http://host:port" (plain HTTP), "https://host" (TLS)
//     or a bare "host:port" (TLS; the environment has no insecure
//     setting). Config.Endpoint gets the host, Config.Insecure the scheme.
//   - AWS_REGION, else AWS_DEFAULT_REGION: the region.
//   - Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with
//     AWS_SESSION_TOKEN), else the shared credentials file
//     (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials and
//     ~/.aws/config) at profile AWS_PROFILE (else "default"). Without any,
//     requests are anonymous.
func ConfigFromEnv(url string, lookup func(string) (string, bool)) (Config, error) {
	bucket, prefix, err := ParseURL(url)
	if err != nil {
		return Config{}, err
	}
	get := func(names ...string) (string, string) {
		for _, n := range names {
			if v, ok := lookup(n); ok && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v), n
			}
		}
		return "", ""
	}
	cfg := Config{Bucket: bucket, Prefix: prefix}
	if raw, name := EnvEndpoint(lookup); raw != "" {
		cfg.Endpoint, cfg.Insecure, err = ResolveEndpoint(raw, false)
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	cfg.Region, _ = get("AWS_REGION", "AWS_DEFAULT_REGION")
	cfg.Credentials = credentialsChain(lookup)
	return cfg, nil
}

// EnvEndpoint returns the endpoint the standard AWS variables name, read
// through lookup: AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, with the name
// of the variable it came from; "" when neither is set. ParseEndpoint
// parses it.
func EnvEndpoint(lookup func(string) (string, bool)) (value, name string) {
	for _, n := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if v, ok := lookup(n); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), n
		}
	}
	return "", ""
}

// credentialsChain is the standard chain with the environment read through
// lookup: static keys from the environment, then the shared file.
func credentialsChain(lookup func(string) (string, bool)) *credentials.Credentials {
	get := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookup(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	var chain []credentials.Provider
	id := get("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY")
	secret := get("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if id != "" && secret != "" {
		chain = append(chain, &credentials.Static{Value: credentials.Value{
			AccessKeyID:     id,
			SecretAccessKey: secret,
			SessionToken:    get("AWS_SESSION_TOKEN"),
			SignerType:      credentials.SignatureV4,
		}})
	}
	profile := get("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	chain = append(chain, &credentials.FileAWSCredentials{
		Filename: get("AWS_SHARED_CREDENTIALS_FILE"),
		Profile:  profile,
	})
	return credentials.NewChainCredentials(chain)
}

// Open connects to the server of cfg and checks that the bucket exists.
func Open(ctx context.Context, cfg Config) (*Storage, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3 open: no bucket")
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("s3 open: bucket %q: %w", cfg.Bucket, err)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := storage.ValidateKey(prefix); err != nil {
			return nil, fmt.Errorf("s3 open: prefix: %w", err)
		}
		prefix += "/"
	}
	endpoint, plainHTTP := DefaultEndpoint, cfg.Insecure
	if cfg.Endpoint != "" {
		var err error
		endpoint, plainHTTP, err = ResolveEndpoint(cfg.Endpoint, cfg.Insecure)
		if err != nil {
			return nil, fmt.Errorf("s3 open: %w", err)
		}
	}
	partSize := cfg.PartSize
	switch {
	case partSize == 0:
		partSize = DefaultPartSize
	case partSize < MinPartSize || partSize > MaxPartSize:
		return nil, fmt.Errorf("s3 open: part size %d outside [%d, %d]", partSize, MinPartSize, MaxPartSize)
	}
	creds := cfg.Credentials
	if creds == nil {
		creds = credentialsChain(os.LookupEnv)
	}
	readAhead := cfg.ReadAhead
	switch {
	case readAhead == 0:
		readAhead = DefaultReadAhead
	case readAhead < 0:
		readAhead = 0
	}
	if isSSEC(cfg.SSE) && plainHTTP {
		return nil, fmt.Errorf("s3 open %s: %s%w", endpoint, blockOf(cfg.Block), errSSECPlainHTTP)
	}
	base := cfg.Transport
	if base == nil {
		t, err := minio.DefaultTransport(!plainHTTP)
		if err != nil {
			return nil, fmt.Errorf("s3 open %s: %w", endpoint, err)
		}
		// Every GET of a read-ahead finds a warm connection: no new TCP
		// (or TLS) handshake once the first batch has run.
		t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, readAhead)
		t.MaxIdleConns = max(t.MaxIdleConns, t.MaxIdleConnsPerHost)
		base = t
	}
	sniff := &sniffer{base: base}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:      creds,
		Secure:     !plainHTTP,
		Region:     cfg.Region,
		MaxRetries: cfg.MaxRetries,
		Transport:  sniff,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 open %s: %w", endpoint, err)
	}
	owner := cfg.Owner
	if owner == "" {
		owner = defaultOwner()
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s := &Storage{
		client:   client,
		bucket:   cfg.Bucket,
		prefix:   prefix,
		endpoint: endpoint,
		partSize: partSize,
		owner:    owner,
		renew:    !cfg.DisableLeaseRenew,
		log:      logger,
		sse:      cfg.SSE,
		block:    cfg.Block,

		anonymous: anonymous(creds, base),
		readAhead: readAhead,
	}
	if isSSEC(cfg.SSE) {
		s.ssec = cfg.SSE
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err == nil && !ok && cfg.CreateBucket {
		if err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, s.wrap("create bucket", "", err)
		}
		s.created = true
		return s, nil
	}
	if err != nil || !ok {
		if nerr := sniff.notS3(ctx, client, cfg.Bucket, endpoint); nerr != nil {
			return nil, nerr
		}
	}
	if err != nil {
		return nil, s.wrap("open", "", err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 open: %q at %s: %w; create it (resultgen block create s3/NAME -url s3://%s -create-bucket), or correct the bucket in the s3:// URL", cfg.Bucket, endpoint, ErrNoBucket, cfg.Bucket)
	}
	return s, nil
}

// ReadAhead is how many GETs the runtime may have in flight at once when
// it reads a flow run's records ahead (Config.ReadAhead; see
// storage.ReadAheader).
func (s *Storage) ReadAhead() int { return s.readAhead }

// ContentMatch returns the check of whether a listed object holds given
// bytes (see storage.ContentMatcher): its size is theirs and its ETag is
// their MD5, which S3 and MinIO give an object put in one request (every
// record of at most 16 MiB) without server-side encryption. nil when the
// store encrypts on the server (SSE-S3, SSE-KMS or SSE-C: the ETag is no
// MD5 then). A multipart object's ETag ("...-N") never matches, nor does
// a server's that is no MD5: the caller then reads the object.
func (s *Storage) ContentMatch() func(info storage.Info, b []byte) bool {
	if s.sse != nil {
		return nil
	}
	return func(info storage.Info, b []byte) bool {
		if info.Size != int64(len(b)) || len(info.ETag) != 2*md5.Size {
			return false
		}
		sum := md5.Sum(b)
		var want [md5.Size]byte
		if _, err := hex.Decode(want[:], []byte(info.ETag)); err != nil {
			return false
		}
		return sum == want
	}
}

// String names the store: "s3://bucket/prefix", or "s3://bucket" without
// a prefix.
func (s *Storage) String() string {
	if s.prefix == "" {
		return "s3://" + s.bucket
	}
	return "s3://" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/")
}

// object validates key and returns its object name.
func (s *Storage) object(op, key string) (string, error) {
	if err := storage.ValidateObjectKey(key); err != nil {
		return "", fmt.Errorf("s3 %s: %w", op, err)
	}
	if err := s.fits(key); err != nil {
		return "", fmt.Errorf("s3 %s: %w", op, err)
	}
	return s.prefix + key, nil
}

// MaxObjectName is the longest S3 object name in bytes: the store's
// prefix and a key together.
const MaxObjectName = 1024

// CheckKey reports whether the store can hold a valid key (see
// storage.KeyChecker): with the store's prefix its object name must fit
// MaxObjectName, which leaves keys of at most MaxObjectName - len(prefix)
// bytes. The error wraps storage.ErrInvalidKey.
func (s *Storage) CheckKey(key string) error { return s.fits(key) }

func (s *Storage) fits(key string) error {
	if n := len(s.prefix) + len(key); n > MaxObjectName {
		return fmt.Errorf("%w %q: %d bytes with the store's prefix %q, and S3 object names are at most %d bytes; use a shorter key (a cache_key_fn that hashes long values) or a shorter prefix",
			storage.ErrInvalidKey, storage.ShortKey(key), n, s.prefix, MaxObjectName)
	}
	return nil
}

// Put stores body at key. A body of known size up to the part size goes up
// in one streamed request; any other body is cut into parts (see parter):
// if it ends within the first part (and foldMax) it goes up in one
// request, otherwise as a multipart upload that sends up to 4 parts at a
// time, is aborted on failure or cancellation, and so leaves no object
// unless it completes. With opts.IfAbsent the committing request (the
// PUT, or the CompleteMultipartUpload) carries If-None-Match: *, which the
// server checks atomically; the losers of a race get storage.ErrExists.
func (s *Storage) Put(ctx context.Context, key string, body io.Reader, opts storage.PutOptions) error {
	name, err := s.object("put", key)
	if err != nil {
		return err
	}
	meta, err := encodeMetadata(opts.Metadata)
	if err != nil {
		return fmt.Errorf("s3 put %q: %w", storage.ShortKey(key), err)
	}
	po := minio.PutObjectOptions{
		UserMetadata:         meta,
		ContentType:          "application/octet-stream",
		DisableMultipart:     true,
		ServerSideEncryption: s.sse,
	}
	if opts.IfAbsent {
		po.SetMatchETagExcept("*")
	}
	if opts.Size > 0 && opts.Size <= s.partSize {
		if err := s.needIfAbsent(ctx, key, opts, PutIfNoneMatch); err != nil {
			return err
		}
		_, err := s.client.PutObject(ctx, s.bucket, name, body, opts.Size, po)
		return s.wrapPut(key, opts.IfAbsent, err)
	}
	// Size unknown (or a zero that may be an unset field) or large: look at
	// a small head first, so that small records cost one small buffer.
	head := make([]byte, min(headSize, s.partSize))
	n, err := io.ReadFull(body, head)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if err := s.needIfAbsent(ctx, key, opts, PutIfNoneMatch); err != nil {
			return err
		}
		_, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(head[:n]), int64(n), po)
		return s.wrapPut(key, opts.IfAbsent, err)
	}
	if err != nil {
		return fmt.Errorf("s3 put %q: reading body: %w", storage.ShortKey(key), err)
	}
	pr := &parter{s: s, body: body, size: int(s.partSize), carry: head, free: make(chan []byte, partsInFlight+1)}
	defer pr.keep()
	pr.lend, _ = body.(lender)
	first, err := pr.next()
	if err != nil {
		return fmt.Errorf("s3 put %q: reading body: %w", storage.ShortKey(key), err)
	}
	if first.last {
		// The body ends within the first part (or folds into it): one request.
		defer first.done()
		if err := s.needIfAbsent(ctx, key, opts, PutIfNoneMatch); err != nil {
			return err
		}
		_, err := s.client.PutObject(ctx, s.bucket, name, first.r, int64(first.n), po)
		return s.wrapPut(key, opts.IfAbsent, err)
	}
	if err := s.needIfAbsent(ctx, key, opts, CompleteIfNoneMatch); err != nil {
		first.done()
		return err
	}
	return s.wrapPut(key, opts.IfAbsent, s.putMultipart(ctx, key, name, pr, first, meta, opts.IfAbsent))
}

// needIfAbsent checks, for a Put with opts.IfAbsent, that the server
// honours the conditional write f that commits it.
func (s *Storage) needIfAbsent(ctx context.Context, key string, opts storage.PutOptions, f Feature) error {
	if !opts.IfAbsent {
		return nil
	}
	return s.need(ctx, "put", storage.ShortKey(key), f)
}

// headSize is how much of a body of unknown size Put reads before it
// commits to a part-sized buffer.
const headSize = 64 << 10

// maxParts is the most parts S3 allows in one upload.
const maxParts = 10000

// partsInFlight is how many parts of one multipart upload are sent at
// once; Put then holds at most that many part buffers.
const partsInFlight = 4

// foldMax bounds how far the last part of a multipart upload may exceed
// the part size: a body read into part buffers that ends less than
// foldMax bytes past a part's end goes in that part, rather than in a
// small part of its own, one request fewer (a record is its payload and
// a header and trailer of about a kilobyte, so a payload of whole parts
// made one more). A body shorter than the part size plus foldMax goes up
// in one request. It serves records read into buffers (sealed ones,
// those a serializer writes in small pieces); P5's 64 MiB record is sent
// from its own memory, where the tail still makes a part (see next).
const foldMax = headSize

// lender is a Put body that lends the store its writer's memory: Lend
// returns the body's next n bytes, not copied, when they lie in one piece
// of the writer's followed by at least keep more bytes (else ok is false
// and nothing is taken); the writer keeps the slice unchanged until
// release is called, once, before Put returns. record.Write's streaming
// body is one (see internal/record's handoff).
type lender interface {
	Lend(n, keep int) (p []byte, release func(), ok bool)
}

// parter cuts a Put body into the parts of an upload: a part is a slice
// of the writer's memory where the body lends one (lender), after at most
// foldMax bytes carried over from the previous part, and otherwise read
// into a part buffer. The body's last part may be up to foldMax-1 bytes
// longer than size.
type parter struct {
	s     *Storage
	body  io.Reader
	lend  lender      // body as a lender, or nil
	size  int         // the part size
	carry []byte      // bytes read past the previous part: the next one's start
	eof   bool        // the body is read to its end
	parts int         // parts cut so far
	free  chan []byte // part buffers whose parts are done (partsInFlight+1 at most)
}

// upPart is one part of an upload: its bytes (r, n of them) and whether
// the body ends with it.
type upPart struct {
	r       *partBody
	n       int
	last    bool
	pr      *parter
	buf     []byte // the part buffer holding the bytes, or nil
	release func() // the loan of the writer's memory, or nil
}

// done ends the part's hold on its memory once no request sends it any
// more: the body stops reading, the loan is released and the buffer kept
// for the next part.
func (p upPart) done() {
	p.r.stop()
	if p.release != nil {
		p.release()
	}
	if p.buf != nil {
		select {
		case p.pr.free <- p.buf:
		default:
		}
	}
}

// buffer is a part buffer: one an earlier part of this upload is done
// with, else one of an earlier upload, else a new one.
func (pr *parter) buffer() []byte {
	select {
	case b := <-pr.free:
		return b
	default:
		return pr.s.partBuffer()
	}
}

// keep gives the upload's part buffers to later uploads.
func (pr *parter) keep() {
	for {
		select {
		case b := <-pr.free:
			pr.s.parts.Put(&b)
		default:
			return
		}
	}
}

// next returns the body's next part; at the body's end a part with last
// set (possibly empty, when the previous part ended the body exactly).
func (pr *parter) next() (upPart, error) {
	carry := pr.carry
	pr.carry = nil
	if pr.eof {
		return upPart{r: &partBody{a: carry}, n: len(carry), last: true, pr: pr}, nil
	}
	if pr.lend != nil && len(carry) < pr.size {
		// The first part is lent only when at least foldMax bytes follow
		// it (a shorter body goes up in one request); a later one whenever
		// the writer's piece holds it. Folding the rest of the body into
		// the part whose piece ends it is not offered: the piece is
		// answered only once its parts are stored, and the writer writes
		// what follows it (a record's trailer) only then, so a part
		// holding both would wait for all the others.
		keep := 0
		if pr.parts == 0 {
			keep = foldMax
		}
		if p, release, ok := pr.lend.Lend(pr.size-len(carry), keep); ok {
			pr.parts++
			return upPart{r: &partBody{a: carry, b: p}, n: pr.size, pr: pr, release: release}, nil
		}
	}
	pr.parts++
	if len(carry) == 0 {
		// Read a small head first: the body's tail (a record's last bytes
		// and trailer, after parts lent) takes no part buffer.
		carry = make([]byte, foldMax)
		m, err := io.ReadFull(pr.body, carry)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			pr.eof = true
			return upPart{r: &partBody{a: carry[:m]}, n: m, last: true, pr: pr}, nil
		}
		if err != nil {
			return upPart{}, err
		}
	}
	buf := pr.buffer()
	k := copy(buf, carry)
	m, err := io.ReadFull(pr.body, buf[k:pr.size])
	k += m
	if err == nil {
		// A full part: does the body end within foldMax more bytes?
		m, err = io.ReadFull(pr.body, buf[pr.size:pr.size+foldMax])
		if err == nil {
			pr.carry = append([]byte(nil), buf[pr.size:pr.size+foldMax]...)
			return upPart{r: &partBody{a: buf[:pr.size]}, n: pr.size, pr: pr, buf: buf}, nil
		}
		k += m
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		pr.eof = true
		return upPart{r: &partBody{a: buf[:k]}, n: k, last: true, pr: pr, buf: buf}, nil
	}
	return upPart{}, err
}

// partBody is a part's request body: a then b, seekable (so the client
// retries a failed request), and closed to reads once the part is done
// (stop): a request the client gave up on cannot read memory that went
// back to its writer.
type partBody struct {
	mu      sync.Mutex
	a, b    []byte
	off     int
	stopped bool
}

var errPartDone = errors.New("part body read after its part was done")

func (r *partBody) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return 0, errPartDone
	}
	var n int
	switch {
	case r.off < len(r.a):
		n = copy(p, r.a[r.off:])
	case r.off-len(r.a) < len(r.b):
		n = copy(p, r.b[r.off-len(r.a):])
	default:
		return 0, io.EOF
	}
	r.off += n
	return n, nil
}

func (r *partBody) Seek(offset int64, whence int) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch whence {
	case io.SeekCurrent:
		offset += int64(r.off)
	case io.SeekEnd:
		offset += int64(len(r.a) + len(r.b))
	}
	if offset < 0 || offset > int64(len(r.a)+len(r.b)) {
		return 0, errors.New("part body: seek out of range")
	}
	r.off = int(offset)
	return offset, nil
}

func (r *partBody) stop() {
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
}

// putMultipart uploads first and then the rest of body's parts (pr), up
// to partsInFlight parts at a time: each part is sent as soon as it is cut
// (see parter; a part read into a buffer holds one of at most
// partsInFlight buffers, reused once its part is stored). The first
// failure cancels the parts in flight and aborts the upload, so no object
// and no parts remain. minio-go's own multipart path does not repeat
// If-None-Match on CompleteMultipartUpload (v7.4.1 drops custom headers
// there), so this drives the upload through minio.Core and sends the
// condition on the complete request, where S3 evaluates it.
func (s *Storage) putMultipart(ctx context.Context, key, name string, pr *parter, first upPart, meta map[string]string, ifAbsent bool) (err error) {
	core := minio.Core{Client: s.client}
	unsent := &first // a part cut and not sent: done on the way out
	defer func() {
		if unsent != nil {
			unsent.done()
		}
	}()
	// The marker lets Uploads find the upload should it be left incomplete
	// (MinIO forgets a bucket's uploads when it restarts). It is removed
	// after the upload is completed or aborted (the defers run last to first).
	mark, err := s.markUpload(ctx, key)
	if err != nil {
		return err
	}
	defer s.unmarkUpload(ctx, key, mark)
	uploadID, err := core.NewMultipartUpload(ctx, s.bucket, name, minio.PutObjectOptions{
		UserMetadata:         meta,
		ContentType:          "application/octet-stream",
		ServerSideEncryption: s.sse,
	})
	if err != nil {
		return err
	}
	completed := false
	defer func() {
		if !completed { // failed, cancelled, or a panic (of body's Read) unwinding
			// Abort even when ctx was cancelled: the parts must not linger.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
			defer cancel()
			if aerr := core.AbortMultipartUpload(actx, s.bucket, name, uploadID); aerr != nil {
				s.log.Warn("s3 abort of a failed upload failed; resultgen results prune -uploads aborts it later",
					"store", s.String(), "key", key, "err", s.wrap("abort", key, aerr))
			}
		}
	}()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		etags []string // by part number - 1
	)
	defer wg.Wait() // before the abort: no part is sent after it
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil) // first: a failure stops the parts in flight
	slots := make(chan struct{}, partsInFlight)
	send := func(num int, up upPart) {
		mu.Lock()
		etags = append(etags, "")
		mu.Unlock()
		wg.Go(func() {
			defer func() { <-slots }()
			p, err := core.PutObjectPart(ctx, s.bucket, name, uploadID, num, up.r, int64(up.n), minio.PutObjectPartOptions{SSE: s.ssec})
			up.done()
			if err != nil {
				cancel(err)
				return
			}
			mu.Lock()
			etags[num-1] = p.ETag
			mu.Unlock()
		})
	}
	up := first
	slots <- struct{}{}
	for num := 1; ; num++ {
		send(num, up)
		unsent = nil
		if up.last {
			break
		}
		select {
		case slots <- struct{}{}: // a part in flight fewer than partsInFlight
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		up, err = pr.next()
		if err != nil {
			return fmt.Errorf("reading body: %w", err)
		}
		unsent = &up
		if ctx.Err() != nil { // a part failed while this one was cut
			return context.Cause(ctx)
		}
		if up.last && up.n == 0 {
			break // the previous part ended the body
		}
		if num+1 > maxParts {
			return fmt.Errorf("body larger than %d parts of %d bytes; raise Config.PartSize", maxParts, pr.size)
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	parts := make([]minio.CompletePart, len(etags))
	for i, etag := range etags {
		parts[i] = minio.CompletePart{PartNumber: i + 1, ETag: etag}
	}
	var co minio.PutObjectOptions
	if ifAbsent {
		co.SetMatchETagExcept("*")
	}
	_, err = core.CompleteMultipartUpload(ctx, s.bucket, name, uploadID, parts, co)
	completed = err == nil
	return err
}

// partBuffer is a buffer of the part size and foldMax, from an earlier
// upload when one is free.
func (s *Storage) partBuffer() []byte {
	if b, ok := s.parts.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, s.partSize+foldMax)
}

// Get opens the object at key.
func (s *Storage) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.get(ctx, "get", key, minio.GetObjectOptions{ServerSideEncryption: s.ssec})
}

// GetRange reads length bytes of the object at key from offset; length < 0
// reads to the end. A range past the end yields what exists of it.
func (s *Storage) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, fmt.Errorf("s3 get %q: negative offset %d", storage.ShortKey(key), offset)
	}
	if length == 0 {
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	opts := minio.GetObjectOptions{ServerSideEncryption: s.ssec}
	switch {
	case length < 0 && offset == 0:
	case length < 0:
		_ = opts.SetRange(offset, 0)
	default:
		_ = opts.SetRange(offset, offset+length-1)
	}
	rc, err := s.get(ctx, "get", key, opts)
	if err != nil && offset > 0 && minio.ToErrorResponse(unwrapAll(err)).Code == "InvalidRange" {
		// The range starts at or past the end: nothing to read, if the
		// object exists at all.
		if _, serr := s.Stat(ctx, key); serr != nil {
			return nil, serr
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	return rc, err
}

func (s *Storage) get(ctx context.Context, op, key string, opts minio.GetObjectOptions) (io.ReadCloser, error) {
	name, err := s.object(op, key)
	if err != nil {
		return nil, err
	}
	// One GET: the reader streams the one version that request found.
	// (minio.Client.GetObject is lazy and may re-request with If-Match.)
	rc, oi, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, name, opts)
	if err != nil {
		return nil, s.wrap(op, key, err)
	}
	r := &reader{rc: rc, s: s, key: key}
	if opts.Header().Get("Range") == "" {
		r.info = storage.Info{Key: key, Size: oi.Size, Modified: oi.LastModified}
		r.whole = true
	}
	return r, nil
}

// reader names the endpoint in read errors. For a whole object it knows
// what the GET's response said of it (storage.OpenInfo).
type reader struct {
	rc    io.ReadCloser
	s     *Storage
	key   string
	info  storage.Info
	whole bool
}

// ObjectInfo is the size and modification time the GET returned; the
// size is -1 for a ranged read.
func (r *reader) ObjectInfo() storage.Info {
	if !r.whole {
		return storage.Info{Key: r.key, Size: -1}
	}
	return r.info
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if err != nil && err != io.EOF {
		err = r.s.wrap("get", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.rc.Close() }

// Stat describes the object at key with one HEAD request; its Metadata is
// what Put was given, under the names Put was given.
func (s *Storage) Stat(ctx context.Context, key string) (storage.Info, error) {
	name, err := s.object("stat", key)
	if err != nil {
		return storage.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, name, s.statOptions())
	if err != nil {
		return storage.Info{}, s.wrap("stat", key, err)
	}
	return storage.Info{
		Key:      key,
		Size:     oi.Size,
		Modified: oi.LastModified,
		Metadata: decodeMetadata(oi.UserMetadata),
	}, nil
}

// Touch marks the object at key as used now: S3 cannot set LastModified,
// so it copies the object onto itself with its metadata unchanged (one
// HEAD and one server-side COPY, billed like a PUT; no data leaves the
// server). The copy is conditional on the ETag the HEAD saw, so an object
// replaced meanwhile is left alone, and keeps the object's Content-Type
// (a copy that replaces the metadata would reset it). t is ignored: the
// server's clock sets LastModified. See storage.Toucher.
//
// An object larger than 5 GiB is not touched (Touch returns nil and its
// LastModified stays its write time): one COPY cannot copy it, and a
// multipart copy would move all of its bytes inside the server for the
// sake of a timestamp.
func (s *Storage) Touch(ctx context.Context, key string, _ time.Time) error {
	name, err := s.object("touch", key)
	if err != nil {
		return err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, name, s.statOptions())
	if err != nil {
		return s.wrap("touch", key, err)
	}
	if oi.Size > maxCopySize {
		return nil
	}
	contentType := oi.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	_, err = s.client.CopyObject(ctx,
		minio.CopyDestOptions{Bucket: s.bucket, Object: name, ReplaceMetadata: true, UserMetadata: oi.UserMetadata, ContentType: contentType, Encryption: s.sse},
		minio.CopySrcOptions{Bucket: s.bucket, Object: name, MatchETag: oi.ETag, Encryption: copySSE(s.ssec)})
	if err != nil {
		return s.wrap("touch", key, err)
	}
	return nil
}

// maxCopySize is the largest object one CopyObject request copies (S3's
// limit for a single-request copy).
const maxCopySize = 5 << 30

// Delete removes the object at key. S3 deletes are unconditional, so the
// existence check before it is a separate request: of two concurrent
// Deletes of one object both may report success.
func (s *Storage) Delete(ctx context.Context, key string) error {
	name, err := s.object("delete", key)
	if err != nil {
		return err
	}
	if _, err := s.client.StatObject(ctx, s.bucket, name, s.statOptions()); err != nil {
		return s.wrap("delete", key, err)
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		return s.wrap("delete", key, err)
	}
	return nil
}

// List yields the objects whose keys start with prefix, in key order (S3
// lists in byte order). Lease objects, index objects and upload markers are not listed. Info.Metadata is nil;
// use Stat for it.
func (s *Storage) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return func(yield func(storage.Info, error) bool) {
		if err := storage.ValidatePrefix(prefix); err != nil {
			yield(storage.Info{}, fmt.Errorf("s3 list: %w", err))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		leases := s.prefix + leasesDir + "/"
		index := s.prefix + storage.IndexDir + "/"
		markers := s.prefix + uploadsDir + "/"
		for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{
			Prefix:    s.prefix + prefix,
			Recursive: true,
		}) {
			if oi.Err != nil {
				yield(storage.Info{}, s.wrap("list", prefix, oi.Err))
				return
			}
			if strings.HasPrefix(oi.Key, leases) || strings.HasPrefix(oi.Key, index) || strings.HasPrefix(oi.Key, markers) || strings.HasSuffix(oi.Key, "/") {
				continue
			}
			info := storage.Info{
				Key:      strings.TrimPrefix(oi.Key, s.prefix),
				Size:     oi.Size,
				Modified: oi.LastModified,
				ETag:     strings.Trim(oi.ETag, `"`),
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

// encodeMetadata checks the caller's metadata and packs it into the one
// user-metadata entry packedMeta: a JSON object of the entries, as
// encoding/json writes a map (appendjson.Map). Serves P5 S3 put 1 KiB: 48
// allocations of a persist were here (json.Marshal of the map, and the
// lower-casing of the reserved names for each entry); with record's
// escapeASCII returning plain values as they are, a put went from 462 to
// 397 allocations (minio-go's own: 316); the row, whose MinIO side
// swings, measured 1.07-1.12x in five runs before and 1.04-1.18x in five
// after.
func encodeMetadata(m map[string]string) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		if !validToken(k) {
			return nil, fmt.Errorf("metadata name %q: want ASCII letters, digits, '-', '_' and '.'", storage.ShortKey(k))
		}
		if strings.EqualFold(k, namesMeta) || strings.EqualFold(k, packedMeta) {
			return nil, fmt.Errorf("metadata name %q is reserved", storage.ShortKey(k))
		}
		if !validValue(v) {
			return nil, fmt.Errorf("metadata %q: value %q: want printable ASCII without leading or trailing space", storage.ShortKey(k), v)
		}
		names = append(names, k)
		size += len(k) + len(v) + 6
	}
	for i, k := range names {
		for _, other := range names[i+1:] {
			if strings.EqualFold(k, other) {
				a, b := min(k, other), max(k, other) // the same two names in every message
				return nil, fmt.Errorf("metadata names %q and %q differ only in case", storage.ShortKey(a), storage.ShortKey(b))
			}
		}
	}
	return map[string]string{"X-Amz-Meta-" + packedMeta: string(appendjson.Map(make([]byte, 0, size), m))}, nil
}

// decodeMetadata returns the metadata given to Put: unpacked from
// packedMeta, or, in an object written before it, the entries of their
// own with the names' spelling that namesMeta recorded (the server folds
// their case).
func decodeMetadata(um minio.StringMap) map[string]string {
	if len(um) == 0 {
		return nil
	}
	spelled := map[string]string{}
	for k, v := range um {
		if strings.EqualFold(k, namesMeta) {
			for _, n := range strings.Split(v, ",") {
				spelled[strings.ToLower(n)] = n
			}
		}
	}
	out := make(map[string]string, len(um))
	for k, v := range um {
		switch {
		case strings.EqualFold(k, namesMeta):
			continue
		case strings.EqualFold(k, packedMeta):
			var packed map[string]string
			if json.Unmarshal([]byte(v), &packed) != nil {
				out[k] = v // not ours after all: as it is
				continue
			}
			maps.Copy(out, packed)
			continue
		}
		if n, ok := spelled[strings.ToLower(k)]; ok {
			k = n
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func validValue(s string) bool {
	if s != strings.TrimSpace(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// wrapPut maps a failed conditional write to storage.ErrExists.
func (s *Storage) wrapPut(key string, ifAbsent bool, err error) error {
	if err == nil {
		return nil
	}
	if ifAbsent && preconditionFailed(err) {
		return fmt.Errorf("s3 put %q: %w", storage.ShortKey(key), storage.ErrExists)
	}
	return s.wrap("put", key, err)
}

// preconditionFailed reports a failed If-None-Match / If-Match; a server may
// also answer 409 to a conditional write racing another one.
func preconditionFailed(err error) bool {
	er := minio.ToErrorResponse(unwrapAll(err))
	return er.Code == "PreconditionFailed" || er.StatusCode == http.StatusPreconditionFailed ||
		er.Code == "ConditionalRequestConflict"
}

// unwrapAll returns the minio.ErrorResponse inside err, if any, else err.
func unwrapAll(err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er
	}
	return err
}

// wrap gives err the operation, key and endpoint, and maps missing objects
// to storage.ErrNotFound.
func (s *Storage) wrap(op, key string, err error) error {
	what := "s3 " + op
	if key != "" {
		what += fmt.Sprintf(" %q", key)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s at %s: %w", what, s.endpoint, err)
	}
	er := minio.ToErrorResponse(unwrapAll(err))
	switch er.Code {
	case "NoSuchKey", "NoSuchObject":
		return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
	case "NoSuchBucket":
		return fmt.Errorf("%s: bucket %q does not exist at %s", what, s.bucket, s.endpoint)
	case "":
		if er.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", what, storage.ErrNotFound)
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL repeats the endpoint and adds noise
	}
	if e := s.sseCError(op, er); e != nil {
		return fmt.Errorf("%s at %s: %w", what, s.endpoint, e)
	}
	if s.anonymous && (er.Code == "AccessDenied" || er.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s at %s: %w; %s", what, s.endpoint, err, anonymousFix)
	}
	return fmt.Errorf("%s at %s: %w", what, s.endpoint, err)
}
