package syncengine_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/syncengine"
)

func TestRestoreThenRestoreAgainReturnsToStart(t *testing.T) {
	f := newFixture(t, envOpts{docs: 200, recDocs: 50})
	g1 := f.run(syncengine.Request{}).Generation
	g2 := f.run(syncengine.Request{}).Generation
	ctx := context.Background()

	res, err := f.engine.Restore(ctx, "prod", "", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if res.From.ID != g2 || res.To.ID != g1 {
		t.Fatalf("restore went %s → %s, want %s → %s", res.From.ID, res.To.ID, g2, g1)
	}
	for _, alias := range []string{"masterdoctorindex", "recommendationindex"} {
		if got := f.aliasTarget(alias); got != alias+"-"+g1 {
			t.Errorf("after restore %s points at %s", alias, got)
		}
	}
	res, err = f.engine.Restore(ctx, "prod", "", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if res.To.ID != g2 || f.aliasTarget("masterdoctorindex") != "masterdoctorindex-"+g2 {
		t.Fatalf("second restore went to %s", res.To.ID)
	}
	hist, err := f.engine.GenerationHistory(ctx, "prod")
	if err != nil {
		t.Fatal(err)
	}
	actions := []string{}
	for _, g := range hist {
		actions = append(actions, g.Action+":"+g.ID)
	}
	want := []string{"restore:" + g2, "restore:" + g1, "sync:" + g2, "sync:" + g1}
	if strings.Join(actions, " ") != strings.Join(want, " ") {
		t.Errorf("history = %v, want %v", actions, want)
	}
	// Restore by name, and the audit trail names who did it.
	if _, err := f.engine.Restore(ctx, "prod", g1, "carol"); err != nil {
		t.Fatal(err)
	}
	entries := f.redis.Client.XRange(ctx, f.redis.Prefix+"audit", "-", "+").Val()
	var restores int
	for _, e := range entries {
		if e.Values["action"] == "restore" {
			restores++
		}
	}
	if restores != 3 {
		t.Errorf("%d restore audit entries, want 3", restores)
	}
}

func TestRestoreRefusals(t *testing.T) {
	f := newFixture(t, envOpts{docs: 100, recDocs: 50, extra: func(c *config.Config) {
		c.Environments["prod"].GenerationsKept = 2
	}})
	ctx := context.Background()
	_, err := f.engine.Restore(ctx, "prod", "", "bob")
	isErr(t, err, syncengine.ErrNothingToRestore)

	g1 := f.run(syncengine.Request{}).Generation
	_, err = f.engine.Restore(ctx, "prod", "", "bob")
	isErr(t, err, syncengine.ErrNothingToRestore)
	_, err = f.engine.Restore(ctx, "prod", g1, "bob")
	isErr(t, err, syncengine.ErrNothingToRestore) // already live

	g2 := f.run(syncengine.Request{}).Generation
	g3 := f.run(syncengine.Request{}).Generation
	if f.exists("masterdoctorindex-" + g1) {
		t.Errorf("generation %s beyond generations_kept was not pruned", g1)
	}
	if !f.exists("masterdoctorindex-"+g2) || !f.exists("masterdoctorindex-"+g3) {
		t.Error("a kept generation was pruned")
	}
	_, err = f.engine.Restore(ctx, "prod", g1, "bob")
	isErr(t, err, syncengine.ErrGenerationPruned)
	contains(t, err.Error(), g1)
	_, err = f.engine.Restore(ctx, "prod", "20990101-000000-abcd", "bob")
	isErr(t, err, syncengine.ErrGenerationNotFound)

	// Someone deleted the previous generation's index by hand.
	if err := f.engine.Target("prod").DeleteIndexes(ctx, "recommendationindex-"+g2); err != nil {
		t.Fatal(err)
	}
	_, err = f.engine.Restore(ctx, "prod", "", "bob")
	isErr(t, err, syncengine.ErrGenerationEmpty)
	contains(t, err.Error(), "recommendationindex-"+g2)
	if got := f.aliasTarget("masterdoctorindex"); got != "masterdoctorindex-"+g3 {
		t.Errorf("a refused restore moved the alias to %s", got)
	}
	_, err = f.engine.Restore(ctx, "nope", "", "bob")
	isErr(t, err, syncengine.ErrUnknownEnv)
}

func TestRestoreWhileJobRunsIsBusy(t *testing.T) {
	f := newFixture(t, envOpts{docs: 100, recDocs: 50})
	f.run(syncengine.Request{})
	f.run(syncengine.Request{})
	lock := f.redis.Prefix + "lock:prod"
	if err := f.redis.Client.Set(context.Background(), lock, "20260101-000000-aaaa/tok", 0).Err(); err != nil {
		t.Fatal(err)
	}
	res, err := f.engine.Restore(context.Background(), "prod", "", "bob")
	if err != nil || res.Busy == nil || res.Busy.Holder != "20260101-000000-aaaa" {
		t.Fatalf("restore under a held lock = %+v %v", res, err)
	}
}

// seedLegacy makes a hand-built index with docs behind alias, as an
// application had before resyncbot, and returns the index name.
func seedLegacy(t *testing.T, f *fixture, alias, index string, docs int) string {
	t.Helper()
	var bulk strings.Builder
	for i := range docs {
		fmt.Fprintf(&bulk, "{\"index\":{\"_id\":\"%d\"}}\n{\"gmcReferenceNumber\":\"%d\"}\n", i, i)
	}
	calls := []struct{ method, path, body string }{
		{"PUT", "/" + index, `{}`},
		{"POST", "/" + index + "/_bulk?refresh=true", bulk.String()},
		{"POST", "/_aliases", `{"actions":[{"add":{"index":"` + index + `","alias":"` + alias + `"}}]}`},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, f.esURL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", c.method, c.path, res.StatusCode)
		}
	}
	return index
}
