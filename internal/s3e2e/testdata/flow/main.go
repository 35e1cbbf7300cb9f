// Command flow is the program the s3e2e tests run as separate processes
// against one S3 store. Its tasks and flows are ordinary resultgen
// functions; result_gen.go is generated from them:
//
//	go run ./cmd/resultgen ./internal/s3e2e/testdata/flow
//
// Every flow keeps its results in the block "s3/e2e", which the test
// configures in $RESULTGEN_HOME/config.toml. Usage:
//
//	flow share TAG           Share: a storage_key'd task and an inputs+task_source task
//	flow serializable TAG    Serial: one isolation=serializable key
//	flow readcommitted TAG   Committed: one read_committed key with a 2 MiB value
//	flow resume TAG          Resume: a flow with a retry whose second task is cut off
//	flow hold TAG            Hold: one isolation=serializable key; with
//	                         RESULTGEN_E2E_HOLD=1 its body never returns
//
// The tests and this program meet at barrier files in $RESULTGEN_E2E_SYNC:
// the program creates a file to say where it is ("ready.PID", "paused",
// "retrying", "holding.PID") and waits for the test to create one ("go", "resume",
// "restarted"), so the test can start processes together and stop the
// server at a chosen point without timing guesses.
//
// Each line of output is "WHAT key=value ...", values quoted with %q; a
// task body that runs says so with "body task=NAME by=OWNER".
package main

//go:generate go tool resultgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/resultgen/resultgen/runtime"
)

// nonce makes every process's values unique, so a test can tell whose value
// a process returned.
var nonce = func() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}()

// owner names this process in the values it computes.
func owner() string { return fmt.Sprintf("pid %d nonce %s", os.Getpid(), nonce) }

// Fill returns n bytes derived from seed (SHA-256 in counter mode), so a
// reader can check a value it did not compute.
func Fill(seed string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var ctr [8]byte
	for i := uint64(0); len(out) < n; i++ {
		for j := range ctr {
			ctr[j] = byte(i >> (8 * j))
		}
		h := sha256.New()
		h.Write([]byte(seed))
		h.Write(ctr[:])
		out = h.Sum(out)
	}
	return out[:n]
}

// Stamp is stored under a key of its own: any process asking for the same
// tag finds it.
//
//result:task storage_key="share/{parameters[tag]}.json" serializer=json
func Stamp(tag string) string {
	return "stamp " + tag + " by " + owner()
}

// Mark is stored under the hash of its inputs and its source, which is the
// same in every process running this build.
//
//result:task cache_policy=inputs+task_source
func Mark(tag string) string {
	return "mark " + tag + " by " + owner()
}

// Share runs Stamp and Mark and prints their states, values and locations.
//
//result:flow storage=s3/e2e
func Share(ctx context.Context, tag string) error {
	st := StampTask.State(ctx, tag)
	v, err := st.Result()
	if err != nil {
		return fmt.Errorf("stamp: %w", err)
	}
	fmt.Printf("stamp state=%s value=%q at=%s\n", st.Name(), v, st.Location())
	mt := MarkTask.State(ctx, tag)
	m, err := mt.Result()
	if err != nil {
		return fmt.Errorf("mark: %w", err)
	}
	fmt.Printf("mark state=%s value=%q at=%s\n", mt.Name(), m, mt.Location())
	return nil
}

// Once is computed once however many processes ask for it at the same
// time; its body says so when it runs and takes a while, so that the others
// are sure to be waiting.
//
//result:task isolation=serializable storage_key="once/{parameters[tag]}"
func Once(tag string) string {
	fmt.Printf("body task=once by=%q\n", owner())
	time.Sleep(300 * time.Millisecond)
	return "once " + tag + " by " + owner()
}

// Serial runs Once.
//
//result:flow storage=s3/e2e
func Serial(ctx context.Context, tag string) error {
	st := OnceTask.State(ctx, tag)
	v, err := st.Result()
	if err != nil {
		return fmt.Errorf("once: %w", err)
	}
	fmt.Printf("once state=%s value=%q\n", st.Name(), v)
	return nil
}

// holding, when set, is called by Held's body while it holds the key.
var holding func() error

// Held is computed under a serializable key's lock. When the flow has set
// holding (RESULTGEN_E2E_HOLD=1), its body creates the barrier file
// "holding.PID" and then waits for a file that never comes, so the test can
// kill the process while it holds the key's lease.
//
//result:task isolation=serializable storage_key="held/{parameters[tag]}"
func Held(tag string) (string, error) {
	fmt.Printf("body task=held by=%q\n", owner())
	if holding != nil {
		if err := holding(); err != nil {
			return "", err
		}
	}
	return "held " + tag + " by " + owner(), nil
}

// Hold runs Held; with RESULTGEN_E2E_HOLD=1 Held holds the key forever.
//
//result:flow storage=s3/e2e
func Hold(ctx context.Context, tag string) error {
	if os.Getenv("RESULTGEN_E2E_HOLD") == "1" {
		holding = func() error { return barrier(fmt.Sprintf("holding.%d", os.Getpid()), "never") }
	}
	st := HeldTask.State(ctx, tag)
	v, err := st.Result()
	if err != nil {
		return fmt.Errorf("held: %w", err)
	}
	fmt.Printf("held state=%s value=%q\n", st.Name(), v)
	return nil
}

// Payload is a value large enough that a torn write would show: Data is
// Fill(Owner, len(Data)).
type Payload struct {
	Owner string
	Data  []byte
}

// PayloadSize is the size of Payload.Data.
const PayloadSize = 2 << 20

// Racy takes no lock: every process may compute it, and the first to commit
// wins.
//
//result:task isolation=read_committed storage_key="racy/{parameters[tag]}"
func Racy(tag string) Payload {
	fmt.Printf("body task=racy by=%q\n", owner())
	o := owner()
	return Payload{Owner: o, Data: Fill(o, PayloadSize)}
}

// Committed runs Racy and checks the value it gets back.
//
//result:flow storage=s3/e2e
func Committed(ctx context.Context, tag string) error {
	st := RacyTask.State(ctx, tag)
	v, err := st.Result()
	if err != nil {
		return fmt.Errorf("racy: %w", err)
	}
	intact := len(v.Data) == PayloadSize && bytes.Equal(v.Data, Fill(v.Owner, len(v.Data)))
	fmt.Printf("racy state=%s owner=%q intact=%t sha256=%x\n", st.Name(), v.Owner, intact, sha256.Sum256(v.Data))
	return nil
}

// First is a small result committed before the server goes away.
//
//result:task
func First(tag string) string {
	fmt.Printf("body task=first by=%q\n", owner())
	return "first " + tag + " by " + owner()
}

// BlobSize is the size of Second's result: over one upload part (16 MiB),
// so it goes up as a multipart upload.
const BlobSize = 20 << 20

// pauseAt is where an armed Blob encoding stops to let the test stop the
// server: past the first part, which is then uploaded already.
const pauseAt = 18 << 20

// pause arms the next Blob encoding to stop at pauseAt.
var pause atomic.Bool

// Blob is Second's result. It encodes as msgpack bin, in 1 MiB writes, and
// when pause is armed it stops after pauseAt bytes, creates the barrier
// file "paused" and waits for "resume".
type Blob struct {
	Data []byte
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (b Blob) EncodeMsgpack(enc *msgpack.Encoder) error {
	if err := enc.EncodeBytesLen(len(b.Data)); err != nil {
		return err
	}
	armed := pause.Swap(false)
	w := enc.Writer()
	for off := 0; off < len(b.Data); {
		n := min(1<<20, len(b.Data)-off)
		if armed && off < pauseAt && off+n >= pauseAt {
			n = pauseAt - off
		}
		if _, err := w.Write(b.Data[off : off+n]); err != nil {
			return err
		}
		off += n
		if armed && off == pauseAt {
			if err := barrier("paused", "resume"); err != nil {
				return err
			}
		}
	}
	return nil
}

// DecodeMsgpack implements msgpack.CustomDecoder.
func (b *Blob) DecodeMsgpack(dec *msgpack.Decoder) error {
	data, err := dec.DecodeBytes()
	if err != nil {
		return err
	}
	b.Data = data
	return nil
}

// Second is a large result whose upload the test cuts off on the first
// attempt.
//
//result:task
func Second(tag string) Blob {
	fmt.Printf("body task=second by=%q\n", owner())
	return Blob{Data: Fill("second "+tag, BlobSize)}
}

// Resume runs First, then Second. On its first attempt the server is
// stopped while Second's result is uploading, Second fails and the flow
// fails; the retry waits until the test has restarted the server, and then
// loads First from storage and computes Second again.
//
//result:flow storage=s3/e2e retries=1 retry_delay=10ms
func Resume(ctx context.Context, tag string) (string, error) {
	fr, _ := runtime.FlowRunFrom(ctx)
	fmt.Printf("attempt n=%d flow_run=%s\n", fr.RunCount, fr.ID)
	if fr.RunCount > 1 {
		if err := barrier("retrying", "restarted"); err != nil {
			return "", err
		}
	}
	st1 := FirstTask.State(ctx, tag)
	first, err := st1.Result()
	fmt.Printf("first state=%s key=%q err=%q\n", st1.Name(), st1.Key(), errText(err))
	if err != nil {
		return "", err
	}
	pause.Store(fr.RunCount == 1)
	st2 := SecondTask.State(ctx, tag)
	blob, err := st2.Result()
	fmt.Printf("second state=%s key=%q err=%q\n", st2.Name(), st2.Key(), errText(err))
	if err != nil {
		return "", err
	}
	if !bytes.Equal(blob.Data, Fill("second "+tag, BlobSize)) {
		return "", errors.New("second: wrong value")
	}
	return first, nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// barrier creates the file mine in $RESULTGEN_E2E_SYNC and waits until the
// file theirs exists there.
func barrier(mine, theirs string) error {
	dir := os.Getenv("RESULTGEN_E2E_SYNC")
	if dir == "" {
		return errors.New("RESULTGEN_E2E_SYNC is unset")
	}
	if err := os.WriteFile(filepath.Join(dir, mine), nil, 0o600); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(dir, theirs)); err == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("barrier %s: %s did not appear within 2 minutes", mine, theirs)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: flow share|serializable|readcommitted|resume|hold TAG")
		os.Exit(2)
	}
	ctx := context.Background()
	mode, tag := os.Args[1], os.Args[2]
	var err error
	switch mode {
	case "share":
		err = ShareFlow.Call(ctx, tag)
	case "serializable", "readcommitted":
		// Start together with the other processes of the test.
		if err = barrier(fmt.Sprintf("ready.%d", os.Getpid()), "go"); err != nil {
			break
		}
		if mode == "serializable" {
			err = SerialFlow.Call(ctx, tag)
		} else {
			err = CommittedFlow.Call(ctx, tag)
		}
	case "hold":
		err = HoldFlow.Call(ctx, tag)
	case "resume":
		var st *runtime.State[string]
		st = ResumeFlow.State(ctx, tag)
		fmt.Printf("flow state=%s\n", st.Name())
		err = st.Err()
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flow:", err)
		os.Exit(1)
	}
}
