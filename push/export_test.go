package push

// SetCrashHooks makes d call the functions after claiming outbox rows, after
// claiming deliveries, after marking them SENDING and before recording the
// outcomes (crash tests).
func SetCrashHooks(d *Dispatcher, afterOutboxClaim, afterClaim, afterMark, beforeRecord func()) {
	d.hooks = hooks{afterOutboxClaim: afterOutboxClaim, afterClaim: afterClaim, afterMark: afterMark, beforeRecord: beforeRecord}
}
