package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/kabinet/kabinet"
)

// testCertificateRequests: kinds are replaced by code; a request is created
// once per client mutation id; a transition applies with its file in one
// transaction, and a refused one writes nothing; another organisation sees
// nothing.
func testCertificateRequests(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, ids := org(t, db, "E-1")
	otherID, _ := org(t, db)

	kinds := []kabinet.CertificateKind{{Code: "A", Title: "First", PromisedDays: 3, Active: true}, {Code: "B", Title: "Old", PromisedDays: 1}}
	if err := db.UpsertCertificateKinds(ctx, orgID, kinds); err != nil {
		t.Fatal(err)
	}
	kinds[0].Title, kinds[0].NeedsPeriod = "Renamed", true
	if err := db.UpsertCertificateKinds(ctx, orgID, kinds[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := db.CertificateKinds(ctx, orgID, true)
	if err != nil || len(got) != 1 || got[0].Title != "Renamed" || !got[0].NeedsPeriod || got[0].PromisedDays != 3 {
		t.Fatalf("got active kinds %+v, %v; want only A, renamed, needing a period", got, err)
	}
	if all, _ := db.CertificateKinds(ctx, orgID, false); len(all) != 2 {
		t.Fatalf("got %d kinds, want 2 with the inactive one", len(all))
	}
	if other, _ := db.CertificateKinds(ctx, otherID, false); len(other) != 0 {
		t.Fatalf("got %d kinds of another organisation, want 0", len(other))
	}

	r := &kabinet.CertificateRequest{ID: kabinet.NewID("cr"), OrgID: orgID, EmployeeID: ids["E-1"], KindCode: "A", KindTitle: "Renamed",
		Status: kabinet.CertificateRequested, DueOn: "2026-11-05", ClientMutationID: "m-1", Fingerprint: "f1", CreatedAt: clock.Now()}
	before, _ := db.ChangeCount(ctx, orgID)
	first, replayed, err := db.CreateCertificateRequest(ctx, r)
	if err != nil || replayed || first.ID != r.ID || first.EmployeeExternalID != "E-1" {
		t.Fatalf("got %+v, %v, %v; want the new request", first, replayed, err)
	}
	again := *r
	again.ID, again.Fingerprint = kabinet.NewID("cr"), "f2"
	second, replayed, err := db.CreateCertificateRequest(ctx, &again)
	if err != nil || !replayed || second.ID != r.ID || second.Fingerprint != "f1" {
		t.Fatalf("got %+v, %v, %v; want the first request, replayed", second, replayed, err)
	}
	if after, _ := db.ChangeCount(ctx, orgID); after != before+1 {
		t.Fatalf("got %d changes, want %d: one for the creation, none for the replay", after, before+1)
	}

	t.Run("ErrDecideWritesNothing", func(t *testing.T) {
		_, err := db.TransitionCertificateRequest(ctx, orgID, r.ID, func(*kabinet.CertificateRequest) (kabinet.CertificateTransition, error) {
			return kabinet.CertificateTransition{}, kabinet.Errorf(kabinet.ECONFLICT, "no")
		})
		if kabinet.ErrorCode(err) != kabinet.ECONFLICT {
			t.Fatalf("got %v, want decide's CONFLICT", err)
		}
		if cur, _ := db.CertificateRequest(ctx, orgID, r.ID); cur.Status != kabinet.CertificateRequested {
			t.Fatalf("got %s, want REQUESTED", cur.Status)
		}
	})
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		if _, err := db.CertificateRequest(ctx, otherID, r.ID); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			t.Fatalf("got %v, want NOT_FOUND", err)
		}
		_, err := db.TransitionCertificateRequest(ctx, otherID, r.ID, func(*kabinet.CertificateRequest) (kabinet.CertificateTransition, error) {
			t.Fatal("decide called for another organisation's request")
			return kabinet.CertificateTransition{}, nil
		})
		if kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			t.Fatalf("got %v, want NOT_FOUND", err)
		}
	})
	t.Run("ReadyWithFile", func(t *testing.T) {
		file := []byte("%PDF-1.4 stored as is \x00\xff")
		done, err := db.TransitionCertificateRequest(ctx, orgID, r.ID, func(cur *kabinet.CertificateRequest) (kabinet.CertificateTransition, error) {
			return kabinet.CertificateTransition{To: kabinet.CertificateReady, At: clock.Now(), File: file, SHA256: "abc"}, nil
		})
		if err != nil || done.Status != kabinet.CertificateReady || done.FileSize != int64(len(file)) || done.FileSHA256 != "abc" || done.ReadyAt == nil {
			t.Fatalf("got %+v, %v; want READY with the file's size and hash", done, err)
		}
		req, content, err := db.CertificateFile(ctx, orgID, r.ID)
		if err != nil || req.ID != r.ID || !bytes.Equal(content, file) {
			t.Fatalf("got %q, %v; want the file back byte for byte", content, err)
		}
		if _, _, err := db.CertificateFile(ctx, otherID, r.ID); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			t.Fatalf("got %v through another organisation, want NOT_FOUND", err)
		}
		queue, err := db.CertificateRequests(ctx, orgID, kabinet.CertificateRequestFilter{Status: kabinet.CertificateReady, Limit: 10})
		if err != nil || len(queue) != 1 {
			t.Fatalf("got %d ready, %v; want 1", len(queue), err)
		}
	})
}
