package main

import "github.com/resyncbot/resyncbot/syncengine"

// Everything the demo says to people, in one place.

const demoUsage = `Usage: resyncbot demo [--docs N] [--addr HOST:PORT] [--seed N] [--pace D]

Runs the whole of resyncbot on this machine with nothing else installed:
Redis in-process (or $REDIS_URL), the Elasticsearch emulator in-process, one
per environment (or $ELASTICSEARCH_URL), three environments of generated
doctor records (prod needs an approval), four people to be, and a web
console to drive it from. Each environment gets a live generation at start,
loaded in the background, so Restore has something to return to.

The console has no login: it listens on 127.0.0.1 only, unless --addr says
otherwise. Logs are warnings and errors only unless --log-level is debug or
trace. Stop it with Ctrl-C.

Flags:
`

// demoGuide is printed once the console answers: its URL, what runs, and
// three things to try.
const demoGuide = `
resyncbot demo is ready: open %[1]s
(the console answered %[2]s after start)

  Redis          %[3]s
  Elasticsearch  %[4]s
  Data           %[5]s generated doctor records per environment:
                 %[6]s,
                 loading now in the background as each environment's first generation
  People         Alice and Ben are engineers, Chloe and Dev approvers;
                 pick who you are at the top of the page

Three things to try:
  1. As Alice, in #ops-prod, type  /resync prod reason="demo"  — try to Approve it
     yourself, then switch to Chloe and approve it; watch the bars move.
  2. In #ops-preprod, type  /resync preprod  and click Abort: live data unchanged.
  3. Click "Restore previous" on the prod summary (or in the side panel), then
     read #status: what users were told at each step.

Press Ctrl-C to stop.
`

const (
	demoRedisEmbedded = "in-process (miniredis), gone when the demo stops"
	demoRedisExternal = "%s, keys under %q, deleted when the demo stops"
	demoESEmbedded    = "in-process emulator, one per environment"
	demoESExternal    = "%s, aliases prefixed with the environment's name"
	demoLoaded        = "resyncbot demo: demo data loaded in %s; every environment has a live generation.\n"
	demoStopped       = "resyncbot demo stopped.\n"

	textPreparing      = "Loading the demo data: this first generation is what Restore will return to."
	textPrepareWaiting = "Waiting to load the demo data (one environment at a time)."
	textPrepareFailed  = "The demo data could not be loaded (%s): run /resync %s to build a generation."
	textAllIndexes     = "all indexes"
	textOpsTopic       = "Requests, approvals and progress for %s (%s)"
	textStatusTopic    = "What users are told: the notices of every environment"

	// seedRequester is who the demo's own first jobs are requested by.
	seedRequester = "resyncbot"
	seedReason    = "demo data loaded at start"
)

// stageText says what a job is doing, in the panel's words.
func stageText(s syncengine.Stage) string {
	switch s {
	case syncengine.StagePlan:
		return "starting"
	case syncengine.StageCopy:
		return "copying into new indexes (live data untouched)"
	case syncengine.StageVerify:
		return "verifying the new indexes"
	case syncengine.StageSwap:
		return "switching to the new data"
	case syncengine.StagePrune:
		return "removing old generations"
	}
	return string(s)
}
