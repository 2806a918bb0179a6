package notify

// Every sentence notify shows people, in one place.
const (
	textRunningTitle        = "Resync of %s running"
	textRunningBody         = "Now: %s. Users keep seeing the current data until the switch."
	textSucceededTitle      = "Resync of %s finished"
	textSucceededBody       = "The new data (generation %s) is live. Took %s. Restore puts the previous data back in one click."
	textAbortedTitle        = "Resync of %s aborted — live data unchanged"
	textAbortedBody         = "Aborted by %s after %s documents. The half-built indexes were removed; users never saw them."
	textFailedTitle         = "Resync of %s failed — live data unchanged"
	textAbortButton         = "Abort"
	textKeepRunning         = "Keep running"
	textAbortConfirmTitle   = "Abort this resync?"
	textAbortConfirmBody    = "The resync of %s stops within one batch. Live data is not touched."
	textRestoreButton       = "Restore previous"
	textCancel              = "Cancel"
	textRestoreConfirmTitle = "Restore the previous data?"
	textRestoreConfirmBody  = "Every index of %s goes back to what was live before generation %s, in one atomic switch. Users see the older data at once."
	textReplyCopied         = "Copy done: %s documents in the new indexes. Verifying next."
	textReplyVerifying      = "Verifying: counting documents and checking required fields."
	textReplyVerified       = "Verified: every check passed. Switching users to the new data."
	textReplySwapped        = "Switched: the new data is live. The previous data is kept for Restore."
	textReplyInterrupted    = "This replica stopped; another will resume the job from its last checkpoint."
	textReplyDone           = ":white_check_mark: Done — the new data is live."
	textReplyAborted        = ":octagonal_sign: Aborted — live data unchanged."
)

// User-facing notices: plain language for the people who use the
// application, never engineering words (no "index", "alias", "reindex").
const (
	// textNoticeTitle is "{env label}: {headline}".
	textNoticeTitle = "%s: %s"
	// textOnDay qualifies a time that is not on the notice's own day.
	textOnDay = "%s on %s"

	textHeadlineStart   = "Data refresh in progress"
	textHeadlineSuccess = "Data refresh finished"
	textHeadlineFailure = "Data refresh stopped"
	textHeadlineAbort   = "Data refresh cancelled"
	textHeadlineRestore = "Data restored"

	textHeadlineInvestigating = "Investigating a problem"
	textHeadlineIdentified    = "Problem identified"
	textHeadlineMonitoring    = "Fix in place"
	textHeadlineResolved      = "Problem resolved"
	textHeadlineScheduled     = "Planned work scheduled"
	textHeadlineInProgress    = "Planned work in progress"
	textHeadlineCompleted     = "Planned work completed"

	textStateInvestigating = "Investigating"
	textStateIdentified    = "Identified"
	textStateMonitoring    = "Monitoring"
	textStateResolved      = "Resolved"
	textStateScheduled     = "Scheduled"
	textStateInProgress    = "In progress"
	textStateCompleted     = "Completed"

	textFactStatus   = "Status"
	textFactStarted  = "Started"
	textFactFinishBy = "Expected to finish"
	textFactUpdated  = "Updated"

	// textUndelivered is the ops-channel warning about a notice given up on:
	// notice id, destinations, its title; then per destination the attempts
	// and the last error.
	textUndeliveredTitle = ":warning: Notice not delivered"
	textUndelivered      = "notice %s could not be delivered to %s; people reading there have not seen %q. Post it by hand if it still matters."
	textUndeliveredDest  = "%d attempts; last error: %s"
)

// Default notice templates (Go text/template over NoticeData), one per
// automatic event and one per manual state. An environment overrides any of
// them under notices.templates.
const (
	tmplStart = `We are refreshing the revalidation data. It started at {{.StartedAt}}` +
		`{{if .FinishByAt}} and should finish around {{.FinishByAt}}{{end}}. ` +
		`The lists you see stay available while this happens, and may change when it finishes.`
	tmplSuccess = `The revalidation data has been refreshed: the lists you see now show the up-to-date data. ` +
		`The refresh started at {{.StartedAt}} and finished at {{.Time}}.`
	tmplFailure = `The refresh of the revalidation data that started at {{.StartedAt}} stopped at {{.Time}} because of a problem on our side. ` +
		`Nothing has changed for you: the lists show the same data as before. We will tell you before we try again.`
	tmplAbort = `The refresh of the revalidation data that started at {{.StartedAt}} was stopped at {{.Time}}, before it finished. ` +
		`Nothing has changed for you: the lists show the same data as before.`
	tmplRestore = `We have restored the revalidation data ` +
		`{{if .RestoredToAt}}as it was at {{.RestoredToAt}}{{else}}as it was before the last refresh{{end}}. ` +
		`The lists you see now show that data again.`

	tmplInvestigating = `{{sentence .Text}} We are looking into it and will post updates here.`
	tmplIdentified    = `{{sentence .Text}} We have found the cause and are working on a fix.`
	tmplMonitoring    = `{{sentence .Text}} A fix is in place and we are checking that it works.`
	tmplResolved      = `{{sentence .Text}} This is now resolved.`
	tmplScheduled     = `{{sentence .Text}}{{if .StartedAt}} It is planned to start at {{.StartedAt}}` +
		`{{if .FinishByAt}} and to finish around {{.FinishByAt}}{{end}}.{{end}}`
	tmplInProgress = `{{sentence .Text}}{{if .FinishByAt}} It should finish around {{.FinishByAt}}.{{end}}`
	tmplCompleted  = `{{sentence .Text}} The work is finished.`
)
