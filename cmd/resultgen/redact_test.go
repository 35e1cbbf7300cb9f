package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// The secrets a user may put in a URL by mistake. None of them may appear
// in any error, log line or CLI output.
var secrets = []string{"Secret", "AKIAEXAMPLE", "SIGNATUREVALUE"}

const (
	credURL    = "s3://AKIAEXAMPLE:Secret@bucket/p"
	queryURL   = "s3://bucket/p?X-Amz-Signature=SIGNATUREVALUE"
	credEnd    = "http://user:Secret@127.0.0.1:9"
	queryEnd   = "http://127.0.0.1:9/?X-Amz-Signature=SIGNATUREVALUE"
	credEndRaw = "AKIAEXAMPLE:Secret@127.0.0.1:9"
)

// runWithStorage runs a one-task invocation whose storage is spec, given
// as the directive value (def) or as a runtime.Storage option, on an
// engine logging to logs, and returns the task's error.
func runWithStorage(t *testing.T, spec string, asOption bool, logs *bytes.Buffer) error {
	t.Helper()
	s, err := settings.Load()
	if err != nil {
		return err
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	defer e.Close()
	def := &runtime.Def{
		Kind: runtime.KindTask, Name: "leaky", Func: "example.com/app.Leaky",
		Source: "sha256:leaky", GoType: "int", Value: true,
	}
	inv := runtime.Invocation[int]{Def: def, Body: func(context.Context) (int, error) { return 1, nil }}
	if asOption {
		inv.Options = []runtime.Option{runtime.Storage(spec)}
	} else {
		def.Config.Storage = spec
	}
	_, err = runtime.Run(runtime.WithEngine(context.Background(), e), inv).Result()
	if err == nil {
		t.Fatalf("storage %s: the run succeeded", spec)
	}
	return err
}

// TestCredentialsNeverEchoed feeds a secret through every path that quotes a
// storage spec, block URL, endpoint or setting value and checks that the
// secret appears in no error, log line or CLI output.
func TestCredentialsNeverEchoed(t *testing.T) {
	awsEnv := func(t *testing.T) {
		for _, n := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN"} {
			t.Setenv(n, "")
		}
		t.Setenv("AWS_REGION", "us-east-1")
		t.Setenv("AWS_ACCESS_KEY_ID", "test")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	}
	// Each case returns what the user would see, and whether the path
	// refused the value (every one must).
	tests := []struct {
		name string
		run  func(t *testing.T) string
	}{}
	for i, spec := range []string{credURL, queryURL} {
		specName := []string{"credentials", "query"}[i]
		tests = append(tests,
			struct {
				name string
				run  func(t *testing.T) string
			}{"Run storage option " + specName, func(t *testing.T) string {
				t.Chdir(t.TempDir())
				var logs bytes.Buffer
				err := runWithStorage(t, spec, true, &logs)
				return err.Error() + "\n" + logs.String()
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"Run storage directive " + specName, func(t *testing.T) string {
				var logs bytes.Buffer
				err := runWithStorage(t, spec, false, &logs)
				return err.Error() + "\n" + logs.String()
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"OpenStorage " + specName, func(t *testing.T) string {
				_, err := runtime.OpenStorage(runtime.WithEngine(context.Background(), runtime.NewEngine(settings.Settings{})), spec)
				if err == nil {
					t.Fatal("opened")
				}
				return err.Error()
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"settings.Load default storage " + specName, func(t *testing.T) string {
				t.Setenv(settings.DefaultStorage, spec)
				_, err := settings.Load()
				if err == nil {
					t.Fatal("loaded")
				}
				return err.Error()
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"generate and review, directive " + specName, func(t *testing.T) string {
				writePackage(t, "package p\n\n//result:task storage=\""+spec+"\"\nfunc F() int { return 1 }\n")
				code, out, errs := runCLI()
				if code == 0 {
					t.Fatal("generate accepted it")
				}
				_, rout, rerrs := runCLI("review")
				_, jout, jerrs := runCLI("review", "-format", "json")
				return out + errs + rout + rerrs + jout + jerrs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"config set " + specName, func(t *testing.T) string {
				code, out, errs := call("config", "set", settings.DefaultStorage+"="+spec)
				if code == 0 {
					t.Fatal("config set accepted it")
				}
				return out + errs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"config view with env " + specName, func(t *testing.T) string {
				t.Setenv(settings.DefaultStorage, spec)
				_, out, errs := call("config", "view")
				return out + errs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"results ls with env " + specName, func(t *testing.T) string {
				t.Setenv(settings.DefaultStorage, spec)
				code, out, errs := call("results", "ls")
				if code == 0 {
					t.Fatal("results ls succeeded")
				}
				return out + errs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"results ls -storage " + specName, func(t *testing.T) string {
				code, out, errs := call("results", "ls", "-storage", spec)
				if code == 0 {
					t.Fatal("results ls succeeded")
				}
				return out + errs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"block create --url " + specName, func(t *testing.T) string {
				code, out, errs := call("block", "create", "s3/prod", "--url", spec)
				if code == 0 {
					t.Fatal("block create accepted it")
				}
				return out + errs
			}},
		)
	}
	for i, ep := range []string{credEnd, queryEnd, credEndRaw} {
		epName := []string{"credentials", "query", "bare credentials"}[i]
		tests = append(tests,
			struct {
				name string
				run  func(t *testing.T) string
			}{"AWS_ENDPOINT_URL_S3 Run " + epName, func(t *testing.T) string {
				t.Setenv("AWS_ENDPOINT_URL_S3", ep)
				var logs bytes.Buffer
				err := runWithStorage(t, "s3://bucket/p", true, &logs)
				return err.Error() + "\n" + logs.String()
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"AWS_ENDPOINT_URL_S3 results ls " + epName, func(t *testing.T) string {
				t.Setenv("AWS_ENDPOINT_URL_S3", ep)
				code, out, errs := call("results", "ls", "-storage", "s3://bucket/p")
				if code == 0 {
					t.Fatal("results ls succeeded")
				}
				return out + errs
			}},
			struct {
				name string
				run  func(t *testing.T) string
			}{"block create --endpoint " + epName, func(t *testing.T) string {
				code, out, errs := call("block", "create", "s3/prod", "--url", "s3://bucket/p", "--endpoint", ep)
				if code == 0 {
					t.Fatal("block create accepted it")
				}
				return out + errs
			}},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			configHome(t)
			awsEnv(t)
			out := tt.run(t)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output shows %q:\n%s", s, out)
				}
			}
			if !strings.Contains(out, "***") {
				t.Errorf("output does not show *** where the secret was:\n%s", out)
			}
			t.Log(out)
		})
	}
}
