package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/redistest"
	"github.com/resyncbot/resyncbot/syncengine"
)

func TestPlan(t *testing.T) {
	srv := httptest.NewServer(esemu.New())
	t.Cleanup(srv.Close)
	rd := redistest.New(t)
	mappings, _ := filepath.Abs("../../examples/mappings")
	path := filepath.Join(t.TempDir(), "plan.yaml")
	writeFile(t, path, fmt.Sprintf(`redis: {url: "%s", prefix: "%s"}
people: {alice: {slack: U1}, bob: {slack: U2}}
roles: {engineers: {people: [alice]}, approvers: {people: [bob]}}
environments:
  prod:
    label: Production
    production: true
    ops_channel: {slack: C1}
    elasticsearch: {urls: ["%s"]}
    indexes:
      - alias: masterdoctorindex
        mapping: %s/masterdoctorindex.json
        source: {type: generate, count: 1500, kind: doctor}
        transform: {id_field: gmcReferenceNumber}
`, rd.URL, rd.Prefix, srv.URL, mappings))

	r := runArgs(t, nil, "plan", "--config", path, "--env", "prod")
	r.wantCode(t, 0)
	for _, want := range []string{
		"Plan for a resync of prod (Production) — dry run, nothing was changed.",
		"masterdoctorindex  generate  1,500    nothing yet",
		"Live generation: none recorded by resyncbot yet",
		"Estimated duration: unknown (no successful run to learn the rate from)",
		"Records to copy: 1,500",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}

	// After one run the plan names the live generation and a rate.
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	eng, err := syncengine.New(rd.Client, cfg, syncengine.Options{Prefix: rd.Prefix})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.StartJob(context.Background(), syncengine.Request{Env: "prod", Requester: "alice"})
	if err != nil || res.Job == nil {
		t.Fatalf("start: %+v %v", res, err)
	}
	if err := eng.Wait(context.Background(), res.Job.ID); err != nil {
		t.Fatal(err)
	}
	r = runArgs(t, nil, "plan", "--config", path, "--env", "prod")
	r.wantCode(t, 0)
	for _, want := range []string{
		"Live generation: " + res.Job.Generation + " (sync ",
		"masterdoctorindex-" + res.Job.Generation + " (1,500 docs)",
		"Kept for restore after the run: " + res.Job.Generation,
		"Estimated duration: ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Estimated duration: unknown") {
		t.Errorf("no estimate after a successful run:\n%s", r.stdout)
	}

	r = runArgs(t, nil, "plan", "--config", path, "--env", "prd")
	r.wantCode(t, 2)
	if !strings.Contains(r.stderr, `unknown environment "prd" (did you mean "prod"?)`) {
		t.Errorf("stderr: %s", r.stderr)
	}
	r = runArgs(t, nil, "plan", "--config", path)
	r.wantCode(t, 2)
}
