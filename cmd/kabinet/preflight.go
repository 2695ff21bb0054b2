package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// checkDBPath tells, before SQLite does in its own words, that the database
// file cannot be created or written where KABINET_DB points.
func checkDBPath(path string) error {
	if isURL(path) {
		return nil // a database server (postgres://…): it answers for itself
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("KABINET_DB=%s: directory %s does not exist: create it, or point KABINET_DB (--db) at a writable place", path, dir)
	case !st.IsDir():
		return fmt.Errorf("KABINET_DB=%s: %s is not a directory: point KABINET_DB (--db) at a file in a writable directory", path, dir)
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("KABINET_DB=%s is a directory: name a file in it, e.g. %s", path, filepath.Join(path, "kabinet.db"))
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("KABINET_DB=%s is not writable by this user: fix its owner or mode, or run as its owner", path)
		}
		f.Close()
	}
	// SQLite also creates the -wal and -shm files beside the database.
	f, err := os.CreateTemp(dir, ".kabinet-write-check-*")
	if err != nil {
		return fmt.Errorf("KABINET_DB=%s: directory %s is not writable by this user (SQLite keeps its -wal file there): fix its owner or mode", path, dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// checkAddr tells, before any work is done (a demo seeded, migrations
// applied), that the address cannot be listened on.
func checkAddr(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return addrError(addr, err)
	}
	return ln.Close()
}

func addrError(addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("KABINET_ADDR=%s: the port is in use (another kabinet running?): stop it, or choose another with --addr or KABINET_ADDR", addr)
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("KABINET_ADDR=%s: not allowed to listen there (ports below 1024 need privileges): choose a port above 1024 and put a reverse proxy in front", addr)
	}
	return fmt.Errorf("KABINET_ADDR=%s: cannot listen: %v", addr, err)
}

// isURL tells a database server's URL (postgres://…) from a SQLite file.
func isURL(db string) bool { return strings.Contains(db, "://") }
