// Package pgtest gives tests a PostgreSQL schema of their own.
//
// The server is KABINET_TEST_PG (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Each call to DSN
// creates a uniquely named schema, returns a URL whose search_path is that
// schema, and drops it when the test ends, so that runs never collide.
// When no server answers, the test is skipped with a message saying how to
// start one, unless CI is set: in CI the test fails instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultServer is the server tests use when KABINET_TEST_PG is unset.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

const howToStart = `no PostgreSQL server at %s (%v); start one with
	sudo apt-get install postgresql && sudo pg_ctlcluster 15 main start   (trust auth for 127.0.0.1, database "test")
or	docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15
or point KABINET_TEST_PG at one; CI=true turns this skip into a failure`

// Server is the server URL tests use.
func Server() string {
	if s := os.Getenv("KABINET_TEST_PG"); s != "" {
		return s
	}
	return DefaultServer
}

// DSN creates a fresh schema and returns a URL that uses it. The schema is
// dropped (with everything in it) when tb ends.
func DSN(tb testing.TB) string {
	tb.Helper()
	server := Server()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, server)
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf(howToStart, server, err)
		}
		tb.Skipf(howToStart, server, err)
	}
	defer c.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kt_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
