package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/runtime/storage"
)

// ErrLeaseLost is returned (wrapped) by the unlock function of Lock when the
// lease stopped being ours while held: another process took it over, or it
// ran out because no renewal reached the server before its expiry. The work
// done under it was not exclusive. It matches storage.ErrLockLost too.
var ErrLeaseLost error = leaseLost{}

type leaseLost struct{}

func (leaseLost) Error() string        { return "s3: lease lost" }
func (leaseLost) Is(target error) bool { return target == storage.ErrLockLost }

// Lease timing.
const (
	minPoll = 50 * time.Millisecond // first wait for a live lease
	maxPoll = 2 * time.Second       // longest wait between two looks
	// opTimeout bounds each lease request made outside the caller's
	// context (renewal, release).
	opTimeout = 30 * time.Second
)

// lease is the body of a lease object.
type lease struct {
	Key     string    `json:"key"`
	Owner   string    `json:"owner"`
	Host    string    `json:"host,omitempty"`
	PID     int       `json:"pid,omitempty"`
	Boot    string    `json:"boot,omitempty"` // the holder's storage.BootID
	Since   time.Time `json:"since,omitzero"` // when the holder took the lease
	Token   string    `json:"token"`
	Expires time.Time `json:"expires"`
	TTL     string    `json:"ttl"`
}

// holder describes l for a waiter.
func (l lease) holder() storage.LockHolder {
	return storage.LockHolder{Owner: l.Owner, Host: l.Host, PID: l.PID, Since: l.Since, Expires: l.Expires}
}

// deadHere reports whether l's holder ran on this machine, in this boot
// and pid namespace, and its process is gone: it crashed, so its live
// lease can be taken over at once instead of waited out.
func (l lease) deadHere() bool {
	return l.Host != "" && l.Host == hostname && storage.ProcessGone(l.Boot, l.PID)
}

// held is one lease this process holds.
type held struct {
	s     *Storage
	key   string
	name  string
	token string
	ttl   time.Duration
	since time.Time          // when the lease was taken (set by try)
	trace *storage.LockTrace // nil: log through the store's logger

	mu      sync.Mutex
	etag    string
	expires time.Time
	lost    error

	stop chan struct{}
	done chan struct{}
}

// Lock takes the lease on key for ttl, waiting (polling with backoff) while
// another holder's lease is live, until ctx is done. See the package doc for
// the protocol. The returned unlock stops renewal and releases the lease; it
// reports ErrLeaseLost when the lease was lost meanwhile.
//
// A storage.LockTrace in ctx (storage.WithLockTrace) hears when Lock starts
// waiting for a holder and when the held lease is lost; without one, both
// are logged through Config.Logger (waiting at WARN, once per holder; lost
// at ERROR).
func (s *Storage) Lock(ctx context.Context, key string, ttl time.Duration) (unlock func() error, err error) {
	if _, err := s.object("lock", key); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		return nil, fmt.Errorf("s3 lock %q: ttl %v must be positive", storage.ShortKey(key), ttl)
	}
	if err := s.need(ctx, "lock", storage.ShortKey(key), PutIfNoneMatch, PutIfMatch); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	h := &held{
		s:     s,
		key:   key,
		name:  s.prefix + leasesDir + "/" + hex.EncodeToString(sum[:]),
		token: randomHex(16),
		ttl:   ttl,
		trace: storage.ContextLockTrace(ctx),
	}
	// Holders in this process queue here first: they need not poll the
	// server, and their critical sections are ordered for the Go memory
	// model as well.
	localUnlock, err := s.local.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("s3 lock %q at %s: waiting for a holder in this process: %w", storage.ShortKey(key), s.endpoint, err)
	}
	wait := minPoll
	var seen string // the holder last reported as waited for
	for {
		ok, cur, err := h.try(ctx)
		if err != nil {
			localUnlock()
			return nil, err
		}
		if ok {
			break
		}
		retryAt := cur.Expires
		if cur.Token != "" && cur.Owner+"\x00"+cur.Token != seen {
			seen = cur.Owner + "\x00" + cur.Token
			h.waiting(cur.holder())
		}
		// A live lease: wait with jittered backoff, but look again soon
		// after it is due to expire.
		d := wait/2 + mrand.N(wait/2+1)
		if until := time.Until(retryAt); until > 0 && until < d {
			d = until + minPoll
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			localUnlock()
			return nil, fmt.Errorf("s3 lock %q at %s: waiting for a live lease: %w", storage.ShortKey(key), s.endpoint, context.Cause(ctx))
		case <-t.C:
		}
		wait = min(wait*2, maxPoll)
	}
	h.stop = make(chan struct{})
	h.done = make(chan struct{})
	if s.renew {
		go h.renewLoop()
	} else {
		close(h.done)
	}
	var once sync.Once
	var uerr error
	return func() error {
		once.Do(func() {
			uerr = h.release()
			localUnlock()
		})
		return uerr
	}, nil
}

// LockHolder reports whether a live lease holds key (see
// storage.LockInspector): one GET of the lease object. A lease that has
// expired, or whose holder ran on this machine and is gone, is not held.
func (s *Storage) LockHolder(ctx context.Context, key string) (storage.LockHolder, bool, error) {
	if _, err := s.object("lock holder", key); err != nil {
		return storage.LockHolder{}, false, err
	}
	sum := sha256.Sum256([]byte(key))
	h := &held{s: s, key: key, name: s.prefix + leasesDir + "/" + hex.EncodeToString(sum[:])}
	cur, _, err := h.read(ctx)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.LockHolder{}, false, nil
	case err != nil:
		return storage.LockHolder{}, false, err
	case cur.Token == "" || !time.Now().Before(cur.Expires) || cur.deadHere():
		return cur.holder(), false, nil
	}
	return cur.holder(), true, nil
}

// try makes one attempt: create the lease if absent, or take over an expired
// one. It returns ok when the lease is ours, else the live lease (whose
// Expires says when to look again; a zero Token: look again now).
func (h *held) try(ctx context.Context) (ok bool, cur lease, err error) {
	s := h.s
	now := lease{Expires: time.Now()}
	h.since = now.Expires.UTC()
	etag, exp, err := h.write(ctx, "")
	if err == nil {
		h.set(etag, exp)
		return true, lease{}, nil
	}
	if !preconditionFailed(err) {
		return false, lease{}, s.wrap("lock", h.key, err)
	}
	cur, curETag, err := h.read(ctx)
	if errors.Is(err, storage.ErrNotFound) {
		return false, now, nil // released meanwhile: try again now
	}
	if err != nil {
		return false, lease{}, err
	}
	if time.Now().Before(cur.Expires) && !cur.deadHere() {
		return false, cur, nil
	}
	// Expired (or unreadable), or its holder crashed on this machine: take
	// it over, conditional on the version we saw, so of two takers only
	// one wins.
	etag, exp, err = h.write(ctx, curETag)
	if err == nil {
		h.set(etag, exp)
		return true, lease{}, nil
	}
	if preconditionFailed(err) || isNotFound(err) {
		return false, now, nil // someone else moved first
	}
	return false, lease{}, s.wrap("lock", h.key, err)
}

// waiting reports that Lock waits for holder.
func (h *held) waiting(holder storage.LockHolder) {
	if h.trace != nil && h.trace.Waiting != nil {
		h.trace.Waiting(holder)
		return
	}
	h.s.log.Warn("waiting for an s3 lease held by another process",
		"store", h.s.String(), "key", h.key, "holder", holder.Owner, "host", holder.Host, "pid", holder.PID,
		"expires", holder.Expires.UTC().Format(time.RFC3339Nano))
}

// loseLease records that the held lease is no longer ours and says so once.
func (h *held) loseLease(why string) {
	h.mu.Lock()
	if h.lost != nil {
		h.mu.Unlock()
		return
	}
	h.lost = fmt.Errorf("s3 lock %q at %s: %s: %w", h.key, h.s.endpoint, why, ErrLeaseLost)
	lost := h.lost
	h.mu.Unlock()
	if h.trace != nil && h.trace.Lost != nil {
		h.trace.Lost(lost)
		return
	}
	// WARN, not ERROR: the holder's unlock returns the loss (ErrLeaseLost);
	// this line only says, as it happens, that the work is no longer
	// exclusive.
	h.s.log.Warn("s3 lease lost while held: the work under it is no longer exclusive",
		"store", h.s.String(), "key", h.key, "err", lost)
}

// write puts our lease: If-None-Match: * when ifMatch is "", else If-Match.
func (h *held) write(ctx context.Context, ifMatch string) (etag string, expires time.Time, err error) {
	expires = time.Now().Add(h.ttl)
	body, err := json.Marshal(lease{Key: h.key, Owner: h.s.owner, Host: hostname, PID: pid, Boot: storage.BootID(),
		Since: h.since, Token: h.token, Expires: expires.UTC(), TTL: h.ttl.String()})
	if err != nil {
		return "", time.Time{}, err
	}
	return h.put(ctx, body, ifMatch, expires)
}

func (h *held) put(ctx context.Context, body []byte, ifMatch string, expires time.Time) (string, time.Time, error) {
	opts := minio.PutObjectOptions{ContentType: "application/json", DisableMultipart: true}
	if ifMatch == "" {
		opts.SetMatchETagExcept("*")
	} else {
		opts.SetMatchETag(ifMatch)
	}
	info, err := h.s.client.PutObject(ctx, h.s.bucket, h.name, bytes.NewReader(body), int64(len(body)), opts)
	if err != nil {
		return "", time.Time{}, err
	}
	return info.ETag, expires, nil
}

// read returns the current lease and its ETag. An unreadable lease is
// returned as already expired, so a corrupt object cannot block forever.
func (h *held) read(ctx context.Context) (lease, string, error) {
	rc, oi, _, err := minio.Core{Client: h.s.client}.GetObject(ctx, h.s.bucket, h.name, minio.GetObjectOptions{})
	if err != nil {
		return lease{}, "", h.s.wrap("lock", h.key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return lease{}, "", h.s.wrap("lock", h.key, err)
	}
	var l lease
	if err := json.Unmarshal(data, &l); err != nil {
		h.s.log.Warn("s3 lease object unreadable; treating it as expired",
			"store", h.s.String(), "key", h.key, "object", h.name, "err", err)
		l = lease{}
	}
	return l, oi.ETag, nil
}

func (h *held) set(etag string, expires time.Time) {
	h.mu.Lock()
	h.etag, h.expires = etag, expires
	h.mu.Unlock()
}

// renewLoop extends the lease every ttl/3 while held. A renewal that fails
// for a transient reason is retried sooner (every ttl/9); when none has
// succeeded by the time the lease expires, or the lease was taken over, the
// lease is lost: renewal stops for good (it never revives an expired lease),
// the loss is reported, and unlock returns ErrLeaseLost.
func (h *held) renewLoop() {
	defer close(h.done)
	every := max(h.ttl/3, 10*time.Millisecond)
	retry := max(every/3, 10*time.Millisecond)
	t := time.NewTimer(every)
	defer t.Stop()
	var lastErr error
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		etag, expires := h.etag, h.expires
		h.mu.Unlock()
		if !time.Now().Before(expires) {
			h.loseLease(fmt.Sprintf("not renewed before it expired at %s (last renewal error: %v)",
				expires.UTC().Format(time.RFC3339Nano), lastErr))
			return
		}
		// A renewal answered after the expiry is no use: bound it by it.
		deadline := time.Now().Add(opTimeout)
		if expires.Before(deadline) {
			deadline = expires
		}
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		newETag, exp, err := h.write(ctx, etag)
		cancel()
		switch {
		case err == nil:
			h.set(newETag, exp)
			lastErr = nil
			t.Reset(every)
		case preconditionFailed(err) || isNotFound(err):
			h.loseLease("taken over by another process")
			return
		default:
			if lastErr == nil { // the first failure of a streak, not every retry
				h.s.log.Warn("s3 lease renewal failed; retrying until the lease expires", "store", h.s.String(), "key", h.key,
					"expires", expires.UTC().Format(time.RFC3339Nano), "err", h.s.wrap("renew lease", h.key, err))
			}
			lastErr = h.s.wrap("renew lease", h.key, err)
			t.Reset(min(retry, max(time.Until(expires), 0)))
		}
	}
}

// release stops renewal and removes the lease if it is still ours.
//
// S3 has no conditional delete, so "still ours" is checked first (the
// object's ETag is the one we wrote) and the delete follows only while the
// lease has a safe margin before expiry: nobody may take over a lease
// before it expires, so nobody can have replaced it in between. Without
// that margin the lease is instead marked expired with a conditional
// overwrite, which is atomic, and left for the next taker.
func (h *held) release() error {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	etag, expires, lost := h.etag, h.expires, h.lost
	h.mu.Unlock()
	if lost != nil {
		return lost
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	s := h.s
	oi, err := s.client.StatObject(ctx, s.bucket, h.name, minio.StatObjectOptions{})
	if err != nil {
		if isNotFound(err) {
			return fmt.Errorf("s3 unlock %q at %s: %w", h.key, s.endpoint, ErrLeaseLost)
		}
		return s.wrap("unlock", h.key, err)
	}
	if oi.ETag != etag {
		return fmt.Errorf("s3 unlock %q at %s: %w", h.key, s.endpoint, ErrLeaseLost)
	}
	margin := max(h.ttl/4, time.Second)
	if time.Until(expires) > margin {
		if err := s.client.RemoveObject(ctx, s.bucket, h.name, minio.RemoveObjectOptions{}); err != nil {
			return s.wrap("unlock", h.key, err)
		}
		return nil
	}
	body, err := json.Marshal(lease{Key: h.key, Owner: s.owner, Token: h.token, TTL: "released"})
	if err != nil {
		return err
	}
	if _, _, err := h.put(ctx, body, etag, time.Time{}); err != nil {
		if preconditionFailed(err) || isNotFound(err) {
			return fmt.Errorf("s3 unlock %q at %s: %w", h.key, s.endpoint, ErrLeaseLost)
		}
		return s.wrap("unlock", h.key, err)
	}
	return nil
}

func isNotFound(err error) bool {
	er := minio.ToErrorResponse(unwrapAll(err))
	return er.Code == "NoSuchKey" || er.StatusCode == 404
}

// This process's host name and id, written into its lease objects.
var (
	hostname, _ = os.Hostname()
	pid         = os.Getpid()
)

func defaultOwner() string {
	return fmt.Sprintf("%s/%d/%s", hostname, pid, randomHex(4))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
