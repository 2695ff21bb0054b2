package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testkit"
)

// TestAuditSurvivesSIGKILL runs a real `kabinet serve`, publishes batches
// of employees as fast as it answers, kills it with SIGKILL in the middle,
// restarts it on the same database and checks that every batch that
// committed has its audit entry: the entry commits with the batch, so no
// kill can fall between the two.
func TestAuditSurvivesSIGKILL(t *testing.T) {
	testkit.SQLiteOnly(t) // the file is the server's own; PostgreSQL shares the same WriteTx rule
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testkit.Binary(t)
	db := filepath.Join(t.TempDir(), "k.db")
	const token = "audit-kill-token-0123456789"
	srv := startKabinet(t, bin, db, token)
	var org struct {
		CreateOrganization struct{ APIKey string }
	}
	gqlPost(t, srv, token, `mutation { createOrganization(input: {name: "ООО Аудит", timezone: "Europe/Moscow"}) { apiKey } }`, &org)
	key := org.CreateOrganization.APIKey

	var acked atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			var b strings.Builder
			for j := range 20 {
				fmt.Fprintf(&b, `{externalId: "B%d-%d", lastName: "Партия", firstName: "П"},`, i, j)
			}
			if err := gqlTry(srv.url, key, `mutation { upsertEmployees(input: [`+b.String()+`]) { created } }`, nil); err != nil {
				return // the server is gone
			}
			acked.Add(1)
		}
	}()
	for acked.Load() < 15 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	<-done
	killedAfter := acked.Load()

	srv = startKabinet(t, bin, db, token)
	var emps struct{ Employees []struct{ ExternalID string } }
	gqlPost(t, srv, key, `{ employees(limit: 1000) { externalId } }`, &emps)
	batches := map[string]bool{}
	for _, e := range emps.Employees {
		batches[strings.SplitN(e.ExternalID, "-", 2)[0]] = true
	}
	var audit struct {
		AuditLog []struct {
			Operation string
			Targets   []string
		}
	}
	gqlPost(t, srv, key, `{ auditLog(limit: 1000) { operation targets } }`, &audit)
	audited := map[string]bool{}
	for _, e := range audit.AuditLog {
		if e.Operation == "upsertEmployees" && len(e.Targets) > 0 {
			audited[strings.SplitN(e.Targets[0], "-", 2)[0]] = true
		}
	}
	if int64(len(batches)) < killedAfter {
		t.Fatalf("%d batches acknowledged before the kill, %d in the database: a committed write was lost", killedAfter, len(batches))
	}
	for b := range batches {
		if !audited[b] {
			t.Errorf("batch %s committed without its audit entry", b)
		}
	}
	t.Logf("%d batches acknowledged before the kill, %d committed, %d audited", killedAfter, len(batches), len(audited))
}

type kabinetProcess struct {
	cmd *exec.Cmd
	url string
	log bytes.Buffer
}

func startKabinet(t *testing.T, bin, db, token string) *kabinetProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &kabinetProcess{url: "http://" + addr}
	p.cmd = exec.Command(bin, "serve")
	p.cmd.Env = append(os.Environ(), "KABINET_ADDR="+addr, "KABINET_DB="+db, "KABINET_BOOTSTRAP_TOKEN="+token,
		"KABINET_LOG_LEVEL=warn", "KABINET_SECRET=audit-kill-secret-0123456789abcdef0123")
	p.cmd.Stdout, p.cmd.Stderr = &p.log, &p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("kabinet serve did not become ready:\n%s", p.log.String())
		}
	}
}

func gqlPost(t *testing.T, p *kabinetProcess, bearer, query string, out any) {
	t.Helper()
	if err := gqlTry(p.url, bearer, query, out); err != nil {
		t.Fatalf("%s: %v\n%s", query, err, p.log.String())
	}
}

func gqlTry(url, bearer, query string, out any) error {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return err
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s", r.Errors[0].Message)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}
