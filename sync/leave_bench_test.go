package sync_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
)

const createLeave = `mutation($in: CreateLeaveRequestInput!) { createLeaveRequest(input: $in) { id status days approver { id } warnings } }`

func createBody(b *testing.B, cmid, from, to string) []byte {
	body, err := json.Marshal(map[string]any{"query": createLeave, "variables": map[string]any{"in": map[string]any{
		"clientMutationId": cmid, "leaveTypeCode": "ОСН", "startsOn": from, "endsOn": to, "comment": "отпуск"}}})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkCreateLeaveRequest measures createLeaveRequest through the whole
// handler stack, as a phone sends it: a new request (the checks, routing,
// the write with its history, change log and position, the approver's
// push planned) and a replay of one already made (one indexed read).
// Each new request is one day of its own, so that none overlaps; an
// employee takes at most 300 of them.
func BenchmarkCreateLeaveRequest(b *testing.B) {
	b.Run("New", func(b *testing.B) {
		const perEmployee = 300
		e := startLeaveBench(b, b.N/perEmployee+1)
		tokens := make([]string, b.N/perEmployee+1)
		for i := range tokens {
			tokens[i] = e.token(b, fmt.Sprint("E-", i+2))
		}
		start := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
		bodies := make([][]byte, b.N)
		for i := range bodies {
			day := start.AddDate(0, 0, i%perEmployee).Format(kabinet.DateLayout)
			bodies[i] = createBody(b, fmt.Sprint("c-", i), day, day)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			e.post(b, tokens[i/perEmployee], bodies[i])
		}
		b.StopTimer()
		checkCreated(b, e, b.N)
	})
	b.Run("Replay", func(b *testing.B) {
		e := startLeaveBench(b, 1)
		token := e.token(b, "E-2")
		body := createBody(b, "same", "2026-12-01", "2026-12-14")
		decode(b, e.post(b, token, body))
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			e.post(b, token, body)
		}
		b.StopTimer()
		checkCreated(b, e, 1)
	})
}

// startLeaveBench is the benchmark server with E-1 heading the department
// of n more employees (E-2…), each with published balances.
func startLeaveBench(b *testing.B, n int) *benchEnv {
	b.Helper()
	h := startHTTP(b, n+1)
	for i := range n + 1 {
		h.f.seedEmployee(b, fmt.Sprint("E-", i+1), 0, 0, 0)
	}
	return &benchEnv{httpEnv: h, handler: h.App.Server.App().Handler()}
}

func checkCreated(b *testing.B, e *benchEnv, want int) {
	b.Helper()
	var out struct {
		LeaveRequests struct{ Items []struct{ ID string } }
	}
	e.Do(b, e.key, `{ leaveRequests(limit: 1000) { items { id } } }`, nil).Must(b, &out)
	if got := len(out.LeaveRequests.Items); got != min(want, 1000) {
		b.Fatalf("got %d requests, want %d", got, min(want, 1000))
	}
}

// BenchmarkSyncLeaveRequests compares, in one run, the syncs of a
// department head (60 payslips of 30 lines, 3 balances, 10 vacations)
// before and after 20 of their own requests and 20 of their people's
// pending ones are added: a first sync (everything) and a sync with
// nothing new (the most frequent request).
func BenchmarkSyncLeaveRequests(b *testing.B) {
	e := startBench(b)
	token := e.token(b, "E-1")
	e.registerAPQ(b, token)
	bench := func(name string, wantLeave int) {
		first, _ := decode(b, e.post(b, token, apqBody(b, "")))
		if got := len(first.Sync.LeaveRequests); got != wantLeave || first.Sync.HasMore {
			b.Fatalf("%s: got %d leave requests (hasMore %v), want %d", name, got, first.Sync.HasMore, wantLeave)
		}
		b.Run(name+"/FirstSync", func(b *testing.B) {
			e.run(b, token, apqBody(b, ""), func(*wireResult) {})
		})
		b.Run(name+"/NoChange", func(b *testing.B) {
			e.run(b, token, apqBody(b, first.Sync.Cursor), func(r *wireResult) {
				if len(r.Sync.LeaveRequests)+len(r.Sync.Payslips) != 0 {
					b.Fatalf("no-change sync sent records")
				}
			})
		})
	}
	bench("WithoutRequests", 0)
	start := time.Date(2027, 8, 10, 0, 0, 0, 0, time.UTC) // after the seeded vacations
	for i := range 20 {
		for _, emp := range []string{"E-1", "E-2"} {
			from := start.AddDate(0, 0, 3*i).Format(kabinet.DateLayout)
			var out struct{ CreateLeaveRequest struct{ ID string } }
			e.Do(b, e.token(b, emp), createLeave, map[string]any{"in": map[string]any{"clientMutationId": fmt.Sprint(emp, i),
				"leaveTypeCode": "ОСН", "startsOn": from, "endsOn": from}}).Must(b, &out)
		}
	}
	bench("With40Requests", 40)
}
