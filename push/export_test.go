package push

// SetCrashHooks makes d call the functions after claiming deliveries, after
// marking them SENDING and before recording the outcomes (crash tests).
func SetCrashHooks(d *Dispatcher, afterClaim, afterMark, beforeRecord func()) {
	d.hooks = hooks{afterClaim: afterClaim, afterMark: afterMark, beforeRecord: beforeRecord}
}
