package results_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

// putRun writes the record a named run keeps at .runs/FLOW/ID, with the
// status labels the runtime writes (see runtime.LabelRunStatus).
func putRun(t *testing.T, st storage.Storage, flow, id string, labels map[string]string, started time.Time) string {
	t.Helper()
	key := ".runs/" + flow + "/" + id
	l := map[string]string{"flow_run_id": id, "flow_run_name": id, "run_started": started.Format(time.RFC3339Nano), "code_version": "sha256:f"}
	for k, v := range labels {
		l[k] = v
	}
	meta := record.Meta{Task: flow, Func: "example.com/app." + flow, Key: key, Created: started, Labels: l}
	if _, err := record.WriteLiteral(context.Background(), st, key, meta, "null", storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	return key
}

// TestRunsStatus lists runs in each status, with their filters; a Running
// run of another machine (its pid means nothing here) shows its holder
// gone exactly when nobody holds its lock.
func TestRunsStatus(t *testing.T) {
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	elsewhere := map[string]string{"run_record": "started", "run_host": "far", "run_pid": "4242", "run_boot": "0123456789abcdef"}
	live := putRun(t, st, "etl", "live", elsewhere, now.Add(-time.Minute))
	putRun(t, st, "etl", "dead", elsewhere, now.Add(-2*time.Minute))
	putRun(t, st, "etl", "old", map[string]string{"run_record": "true", "run_steps": "7", "run_host": "far", "run_pid": "1"}, now.Add(-48*time.Hour))
	putRun(t, st, "ship", "bad", map[string]string{"run_record": "started", "run_status": "Failed", "run_error": "boom", "run_steps": "2",
		"run_pid": strconv.Itoa(4243)}, now.Add(-time.Hour))
	unlock, err := st.Lock(ctx, live, time.Minute) // the live run's holder
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	list := func(o results.RunsOptions) map[string]results.Run {
		t.Helper()
		o.Now = now
		got := map[string]results.Run{}
		for r, err := range results.Runs(ctx, st, o) {
			if err != nil {
				t.Fatal(err)
			}
			got[r.ID] = r
		}
		return got
	}
	all := list(results.RunsOptions{})
	want := map[string]results.RunStatus{"live": results.RunRunning, "dead": results.RunHolderGone, "old": results.RunCompleted, "bad": results.RunFailed}
	for id, s := range want {
		if all[id].Status != s {
			t.Errorf("run %s: status %q, want %q (%+v)", id, all[id].Status, s, all[id])
		}
	}
	if r := all["old"]; r.Steps != 7 || r.Flow != "etl" || r.Host != "far" || r.Ended.IsZero() {
		t.Errorf("the completed run: %+v", r)
	}
	if r := all["bad"]; r.Error != "boom" || r.Steps != 2 || r.Flow != "ship" {
		t.Errorf("the failed run: %+v", r)
	}
	if r := all["live"]; r.Steps != -1 || !r.Ended.IsZero() || r.Started.IsZero() {
		t.Errorf("the running run: %+v", r)
	}
	for _, c := range []struct {
		opts results.RunsOptions
		ids  string
	}{
		{results.RunsOptions{Flow: "ship"}, "bad"},
		{results.RunsOptions{Flow: "app.etl"}, "dead live old"},
		{results.RunsOptions{Status: results.RunHolderGone}, "dead"},
		{results.RunsOptions{OlderThan: 24 * time.Hour}, "old"},
		{results.RunsOptions{NewerThan: 90 * time.Second}, "live"},
		{results.RunsOptions{ID: "bad"}, "bad"},
	} {
		got := list(c.opts)
		ids := ""
		for _, id := range []string{"bad", "dead", "live", "old"} {
			if _, ok := got[id]; ok {
				ids += " " + id
			}
		}
		if ids != " "+c.ids {
			t.Errorf("Runs(%+v) = %q, want %q", c.opts, ids, c.ids)
		}
	}
	if s, err := results.ParseRunStatus("GONE"); err != nil || s != results.RunHolderGone {
		t.Errorf("ParseRunStatus(GONE) = %q, %v", s, err)
	}
}
