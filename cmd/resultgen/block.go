package main

// The "block" subcommand: named storage blocks in the profile file.

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

const blockUsage = `Usage:
  resultgen block ls                                   list the named storage blocks
  resultgen block create s3/NAME -url s3://BUCKET/PREFIX [-endpoint URL] [-region R] [-insecure] [-sse s3|kms|kms:KEYID|c] [-create-bucket] [-force]
  resultgen block create local/NAME -path DIR [-force]
  resultgen block rm TYPE/NAME [TYPE/NAME ...]

A block is a named storage kept in $RESULTGEN_HOME/config.toml. Directives
(//result:task storage=s3/prod) and RESULTGEN_DEFAULT_RESULT_STORAGE name
blocks by their slug TYPE/NAME: TYPE is s3 or local, NAME is made of a-z, 0-9,
'.', '_' and '-' and starts with a letter or digit.
` + blockCredentials + `
"resultgen block COMMAND -h" prints the help of one command with its flags.

Examples:
  resultgen block create s3/prod -url s3://results/team-a
  resultgen block create s3/dev -url s3://results/dev -endpoint http://127.0.0.1:9000 -create-bucket
  resultgen block create local/scratch -path /srv/scratch
  resultgen block ls
  resultgen block rm s3/dev
`

const blockCredentials = `
Blocks never hold credentials: S3 credentials come from the standard AWS
variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_PROFILE) and files (~/.aws/credentials). An endpoint is
http://HOST:PORT (plain HTTP), https://HOST:PORT (TLS) or a bare HOST:PORT
(TLS, or plain HTTP with -insecure); one left out comes from
AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, a region from AWS_REGION.
`

const blockSSE = `
-sse asks the server to encrypt every object the block's store writes:
s3 (SSE-S3), kms (SSE-KMS with the server's default key), kms:KEYID
(SSE-KMS with that key) or c (SSE-C: the server encrypts with a customer
key the store sends with every write and read, over HTTPS only). The SSE-C
key never goes in a block or a flag: it comes from RESULTGEN_SSE_C_KEY (32
bytes in base64: openssl rand -base64 32) or the file RESULTGEN_SSE_C_KEY_FILE
names, and objects written with it read with that key only. Without -sse the
bucket's default encryption applies.
`

const blockLsUsage = `Usage:
  resultgen block ls

ls lists the profile's named storage blocks: slug, location, endpoint,
region, whether the endpoint is plain HTTP, and the server-side encryption
asked for (-sse).

Examples:
  resultgen block ls
`

const blockCreateUsage = `Usage:
  resultgen block create s3/NAME -url s3://BUCKET/PREFIX [-endpoint URL] [-region R] [-insecure] [-sse s3|kms|kms:KEYID|c] [-create-bucket] [-force]
  resultgen block create local/NAME -path DIR [-force]

create adds the block TYPE/NAME to the profile $RESULTGEN_HOME/config.toml
(-force: replacing one of the same slug). -create-bucket also makes the
block's bucket on its server when it does not exist yet (with the
credentials of the environment), and says when it exists already; without it
nothing is sent to the server.
` + blockCredentials + blockSSE + `
Examples:
  resultgen block create s3/prod -url s3://results/team-a
  resultgen block create s3/prod -url s3://results/team-a -sse kms:results-key
  resultgen block create s3/dev -url s3://results/dev -endpoint http://127.0.0.1:9000 -create-bucket
  RESULTGEN_SSE_C_KEY=... resultgen block create s3/vault -url s3://vault/r -endpoint https://minio.internal:9000 -sse c
  resultgen block create local/scratch -path /srv/scratch
`

const blockRmUsage = `Usage:
  resultgen block rm TYPE/NAME [TYPE/NAME ...]

rm removes blocks from the profile; nothing is removed when one of them does
not exist. The records in their stores stay.

Examples:
  resultgen block rm s3/dev
`

// printBlocks lists blocks as a table, or says there are none.
func printBlocks(w io.Writer, blocks []settings.Block, profile string) {
	if len(blocks) == 0 {
		fmt.Fprintf(w, "no blocks in %s; create one with: resultgen block create s3/NAME -url s3://BUCKET/PREFIX\n", profile)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BLOCK\tLOCATION\tENDPOINT\tREGION\tINSECURE\tSSE")
	for _, b := range blocks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\n", b.Slug, storage.Redact(b.URL), dash(storage.Redact(b.Endpoint)), dash(b.Region), b.PlainHTTP(), dash(b.SSE))
	}
	tw.Flush()
}

func blockList(c *cmdEnv, args []string) error {
	fs := c.flags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("takes no arguments, got %q", fs.Args())
	}
	p, err := openProfile()
	if err != nil {
		return err
	}
	printBlocks(c.stdout, p.Blocks(), p.Path())
	return nil
}

func blockCreate(c *cmdEnv, args []string) error {
	if err := refuseCredentials(args); err != nil {
		return err
	}
	fs := c.flags()
	url := fs.String("url", "", "s3 blocks: the bucket and prefix, `s3://BUCKET/PREFIX`")
	path := fs.String("path", "", "local blocks: the `folder` (a relative one is made absolute)")
	endpoint := fs.String("endpoint", "", "s3 blocks: the server, `URL` http://HOST:PORT, https://HOST:PORT or HOST:PORT (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS)")
	region := fs.String("region", "", "s3 blocks: the `region` (default: AWS_REGION)")
	insecure := fs.Bool("insecure", false, "s3 blocks: plain HTTP instead of HTTPS for a bare HOST:PORT endpoint")
	sse := fs.String("sse", "", "s3 blocks: server-side encryption `s3|kms|kms:KEYID|c` (c: SSE-C, the key from RESULTGEN_SSE_C_KEY or RESULTGEN_SSE_C_KEY_FILE; HTTPS only)")
	force := fs.Bool("force", false, "replace a block with the same slug")
	mkBucket := fs.Bool("create-bucket", false, "s3 blocks: create the bucket on its server when it does not exist (alone: the bucket of an existing block)")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one TYPE/NAME, got %d arguments (see resultgen block -h)", len(pos))
	}
	slug := pos[0]
	typ, _, err := settings.ParseSlug(slug)
	if err != nil {
		return usageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if typ == settings.BlockS3 && *mkBucket && len(set) == 1 {
		return createBucketOf(c, slug) // "block create s3/dev -create-bucket": the block exists
	}
	b := settings.Block{Slug: slug, Endpoint: *endpoint, Region: *region, Insecure: *insecure, SSE: *sse}
	switch typ {
	case settings.BlockS3:
		if set["path"] {
			return usagef("-path is for local blocks; an s3 block takes -url s3://BUCKET/PREFIX")
		}
		if *url == "" {
			return usagef("an s3 block needs -url s3://BUCKET/PREFIX")
		}
		b.URL = *url
		// Only here can -insecure=false be told from no -insecure.
		if err := b.CheckEndpoint(set["insecure"]); err != nil {
			return usageError{err}
		}
		if err := settings.CheckSSE(b.SSE); err != nil {
			return usagef("-sse %q is not a server-side encryption: give s3, kms, kms:KEYID or c", b.SSE)
		}
		if b.SSE == "c" && (b.PlainHTTP() || b.Endpoint == "" && envPlainHTTP()) {
			return usagef("-sse c needs HTTPS (servers refuse a customer key sent in the clear): give an https:// or bare HOST:PORT endpoint without -insecure")
		}
	case settings.BlockLocal:
		for _, f := range []string{"url", "endpoint", "region", "insecure", "sse", "create-bucket"} {
			if set[f] {
				return usagef("-%s is for s3 blocks; a local block takes -path DIR", f)
			}
		}
		if *path == "" {
			return usagef("a local block needs -path DIR")
		}
		b.URL = *path
	}
	p, err := openProfile()
	if err != nil {
		return err
	}
	old, exists := p.Block(slug)
	if exists && !*force {
		return fmt.Errorf("block %s already exists (%s); pass -force to replace it, or remove it first with resultgen block rm %s", slug, old.URL, slug)
	}
	if err := p.SetBlock(b); err != nil {
		return usageError{err}
	}
	if *mkBucket {
		// before saving: a block whose bucket cannot be made is not kept
		nb, _ := p.Block(slug)
		if err := createBucket(c, nb); err != nil {
			return fmt.Errorf("%w\nblock %s not saved", err, slug)
		}
	}
	if err := p.Save(); err != nil {
		return err
	}
	verb := "created"
	if exists {
		verb = "replaced"
	}
	nb, _ := p.Block(slug)
	fmt.Fprintf(c.stdout, "%s block %s (%s) in %s\n", verb, slug, storage.Redact(nb.URL), p.Path())
	return nil
}

func blockRemove(c *cmdEnv, args []string) error {
	fs := c.flags()
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("no TYPE/NAME given (see resultgen block -h)")
	}
	pos = slices.Compact(slices.Sorted(slices.Values(pos)))
	for _, slug := range pos {
		if _, _, err := settings.ParseSlug(slug); err != nil {
			return usageError{err}
		}
	}
	p, err := openProfile()
	if err != nil {
		return err
	}
	// Check every slug first, so an unknown one removes nothing and the
	// error names all the blocks there are.
	for _, slug := range pos {
		if _, ok := p.Block(slug); !ok {
			err := p.RemoveBlock(slug)
			if len(pos) > 1 {
				err = fmt.Errorf("%w\nnothing removed", err)
			}
			return err
		}
	}
	for _, slug := range pos {
		if err := p.RemoveBlock(slug); err != nil {
			return err
		}
	}
	if err := p.Save(); err != nil {
		return err
	}
	for _, slug := range pos {
		fmt.Fprintf(c.stdout, "removed block %s from %s\n", slug, p.Path())
		if v, _ := p.Get(settings.DefaultStorage); v == slug {
			fmt.Fprintf(c.stderr, "note: %s in the profile still names %s; change it with resultgen config set or unset\n", settings.DefaultStorage, slug)
		}
		if v, _ := os.LookupEnv(settings.DefaultStorage); v == slug {
			fmt.Fprintf(c.stderr, "note: %s in the environment still names %s\n", settings.DefaultStorage, slug)
		}
	}
	return nil
}

// createBucketOf is "block create s3/NAME -create-bucket" for a block the
// profile has: it makes the block's bucket and changes nothing else.
func createBucketOf(c *cmdEnv, slug string) error {
	p, err := openProfile()
	if err != nil {
		return err
	}
	b, ok := p.Block(slug)
	if !ok {
		return usagef("the profile has no block %s: give its -url s3://BUCKET/PREFIX to create the block and its bucket", slug)
	}
	return createBucket(c, b)
}

// createBucket makes the bucket of the s3 block b on its server, unless it
// exists, and says which. The store is opened as a program opens it: the
// block's endpoint, region and insecure, else the AWS environment's, and
// the credentials of the standard AWS chain.
func createBucket(c *cmdEnv, b settings.Block) error {
	cfg, err := s3.ConfigFromEnv(b.URL, os.LookupEnv)
	if err != nil {
		return usageError{err}
	}
	raw := b.Endpoint
	if raw == "" {
		raw, _ = s3.EnvEndpoint(os.LookupEnv)
	}
	if raw != "" {
		if cfg.Endpoint, cfg.Insecure, err = s3.ResolveEndpoint(raw, b.Insecure); err != nil {
			return usageError{err}
		}
	}
	if b.Region != "" {
		cfg.Region = b.Region
	}
	cfg.CreateBucket = true
	ctx, cancel := context.WithTimeout(c.ctx, time.Minute)
	defer cancel()
	st, err := s3.Open(ctx, cfg)
	if err != nil {
		return fmt.Errorf("block %s: %w", b.Slug, err)
	}
	where := cmp.Or(raw, s3.DefaultEndpoint)
	if st.CreatedBucket() {
		fmt.Fprintf(c.stdout, "created bucket %s at %s\n", cfg.Bucket, storage.Redact(where))
	} else {
		fmt.Fprintf(c.stdout, "bucket %s exists at %s\n", cfg.Bucket, storage.Redact(where))
	}
	return nil
}

// envPlainHTTP reports whether the endpoint of the AWS environment, which
// a block without one uses, is plain HTTP (http://).
func envPlainHTTP() bool {
	raw, _ := s3.EnvEndpoint(os.LookupEnv)
	return strings.HasPrefix(strings.ToLower(raw), "http://")
}
