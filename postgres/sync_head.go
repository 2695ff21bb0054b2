package postgres

// CommittedHead is never known without a read here: other instances commit
// to the same database, so a position remembered by this process could say
// "nothing changed" after another instance committed. Every sync asks the
// database (SyncHead), which is one indexed statement (sync/doc.go).
func (db *DB) CommittedHead() (int64, bool) { return 0, false }
