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
	textFailedBody          = "%s"
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
	textReplyDone           = ":white_check_mark: Done — the new data is live."
	textReplyAborted        = ":octagonal_sign: Aborted — live data unchanged."
)
