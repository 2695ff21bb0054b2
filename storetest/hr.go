package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/hr"
	"github.com/kabinet/kabinet/tenancy"
)

// The HR console's tables (migration 0008): accounts, sessions, one-time
// links, TOTP steps and recovery codes, named API keys, the audit log's
// names.

func hrUser(t *testing.T, db interface {
	CreateHRUser(context.Context, *hr.User, *hr.Link) error
}, orgID, email string, now time.Time, link *hr.Link) *hr.User {
	t.Helper()
	u := &hr.User{ID: kabinet.NewID("hru"), OrgID: orgID, Email: email, FullName: "Анна", Role: hr.RoleHR, Status: hr.StatusInvited,
		CreatedAt: now, UpdatedAt: now}
	if link != nil {
		link.UserID, link.OrgID = u.ID, orgID
	}
	if err := db.CreateHRUser(context.Background(), u, link); err != nil {
		t.Fatal(err)
	}
	return u
}

func testHRUsers(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgA, _ := org(t, db)
	orgB, _ := org(t, db)
	u := hrUser(t, db, orgA, "Anna@Example.ru", clock.Now(), nil)
	t.Run("ErrEmailTakenAnyCase", func(t *testing.T) {
		err := db.CreateHRUser(ctx, &hr.User{ID: kabinet.NewID("hru"), OrgID: orgB, Email: "anna@example.RU", FullName: "X",
			Role: hr.RoleViewer, Status: hr.StatusInvited, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}, nil)
		if got := kabinet.ErrorCode(err); got != kabinet.ECONFLICT {
			t.Errorf("got %q, want CONFLICT", got)
		}
	})
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		if _, err := db.HRUser(ctx, orgB, u.ID); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			t.Errorf("got %v, want NOT_FOUND", err)
		}
		v := *u
		v.OrgID, v.Role = orgB, hr.RoleAdmin
		if err := db.UpdateHRUser(ctx, &v, false, ""); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
			t.Errorf("update through another organisation: got %v, want NOT_FOUND", err)
		}
	})
	got, err := db.HRUserByEmail(ctx, "anna@example.ru")
	if err != nil || got.ID != u.ID || got.Email != "Anna@Example.ru" || got.Role != hr.RoleHR {
		t.Fatalf("by email: got %+v, %v", got, err)
	}
	t.Run("UpdateRevokesSessions", func(t *testing.T) {
		now := clock.Now()
		var ss []*hr.Session
		for i := range 3 {
			s := &hr.Session{ID: kabinet.NewID("hrs"), TokenHash: kabinet.NewID("tok"), UserID: u.ID, OrgID: orgA, Stage: hr.StageFull,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour), Address: "10.0.0." + string(rune('1'+i))}
			if err := db.CreateHRSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			ss = append(ss, s)
		}
		v := *u
		v.PasswordHash, v.UpdatedAt = "hash", now.Add(time.Minute)
		if err := db.UpdateHRUser(ctx, &v, true, ss[0].ID); err != nil {
			t.Fatal(err)
		}
		for i, s := range ss {
			got, user, err := db.HRSession(ctx, s.TokenHash)
			if err != nil {
				t.Fatal(err)
			}
			if revoked := got.RevokedAt != nil; revoked != (i > 0) {
				t.Errorf("session %d: revoked %v, want %v", i, revoked, i > 0)
			}
			if user.PasswordHash != "hash" {
				t.Errorf("session's user: got hash %q", user.PasswordHash)
			}
		}
		if err := db.TouchHRSession(ctx, ss[0].ID, hr.StageTOTP, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _, _ := db.HRSession(ctx, ss[0].TokenHash)
		if got.Stage != hr.StageTOTP || !got.LastSeenAt.Equal(now.Add(2*time.Minute)) {
			t.Errorf("touched: got %s %v", got.Stage, got.LastSeenAt)
		}
	})
	users, err := db.HRUsers(ctx, orgA, 10)
	if err != nil || len(users) != 1 {
		t.Errorf("list: got %d users, %v; want 1 (B's are not A's)", len(users), err)
	}
}

func testHRLinksOnce(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, _ := org(t, db)
	now := clock.Now()
	link := &hr.Link{TokenHash: kabinet.NewID("link"), CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour)}
	u := hrUser(t, db, orgID, "link@example.ru", now, link)
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = db.UseHRLink(ctx, link.TokenHash, "hash-"+string(rune('a'+i)), now.Add(time.Minute))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch kabinet.ErrorCode(err) {
		case "":
			ok++
		case kabinet.ENOTFOUND:
		default:
			t.Errorf("use: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("got %d uses of one link, want 1", ok)
	}
	got, _ := db.HRUser(ctx, orgID, u.ID)
	if got.Status != hr.StatusActive || got.PasswordHash == "" {
		t.Errorf("after the link: got %s %q, want ACTIVE with a password", got.Status, got.PasswordHash)
	}
	late := &hr.Link{TokenHash: kabinet.NewID("link"), UserID: u.ID, OrgID: orgID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateHRLink(ctx, late); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseHRLink(ctx, late.TokenHash, "x", now.Add(time.Hour)); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		t.Errorf("expired link: got %v, want NOT_FOUND", err)
	}
}

func testSecondFactorOnce(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgID, _ := org(t, db)
	u := hrUser(t, db, orgID, "totp@example.ru", clock.Now(), nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.AcceptTOTPStep(ctx, u.ID, 1000)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if accepted != 1 {
		t.Errorf("one TOTP step accepted %d times, want once", accepted)
	}
	if ok, _ := db.AcceptTOTPStep(ctx, u.ID, 999); ok {
		t.Errorf("an earlier step was accepted")
	}
	if err := db.ReplaceRecoveryCodes(ctx, u.ID, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.UseRecoveryCode(ctx, u.ID, "a", clock.Now()); !ok {
		t.Errorf("recovery code a refused")
	}
	if ok, _ := db.UseRecoveryCode(ctx, u.ID, "a", clock.Now()); ok {
		t.Errorf("recovery code a accepted twice")
	}
	if n, _ := db.RecoveryCodesLeft(ctx, u.ID); n != 1 {
		t.Errorf("got %d codes left, want 1", n)
	}
	if err := db.ReplaceRecoveryCodes(ctx, u.ID, []string{"c"}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.UseRecoveryCode(ctx, u.ID, "b", clock.Now()); ok {
		t.Errorf("a replaced recovery code was accepted")
	}
}

func testNamedAPIKeys(t *testing.T, open Opener) {
	clock := newClock()
	db := open(t, clock)
	ctx := context.Background()
	orgA, _ := org(t, db)
	orgB, _ := org(t, db)
	now := clock.Now()
	k := &tenancy.APIKey{ID: kabinet.NewID("key"), OrgID: orgA, Name: "1С", CreatedBy: "Анна", CreatedAt: now}
	if err := db.CreateNamedAPIKey(ctx, k, "hash-1"); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeAPIKey(ctx, orgB, k.ID, now); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		t.Errorf("revoke through another organisation: got %v, want NOT_FOUND", err)
	}
	if err := db.TouchAPIKey(ctx, k.ID, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchAPIKey(ctx, k.ID, now.Add(time.Minute)); err != nil { // late and out of order: ignored
		t.Fatal(err)
	}
	next := &tenancy.APIKey{ID: kabinet.NewID("key"), OrgID: orgA, Name: "1С", CreatedBy: "Анна", CreatedAt: now.Add(2 * time.Hour)}
	if err := db.RotateAPIKey(ctx, orgA, k.ID, next, "hash-2"); err != nil {
		t.Fatal(err)
	}
	if err := db.RotateAPIKey(ctx, orgA, k.ID, &tenancy.APIKey{ID: kabinet.NewID("key"), OrgID: orgA, CreatedAt: now}, "hash-3"); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		t.Errorf("rotate a revoked key: got %v, want NOT_FOUND", err)
	}
	if _, _, err := db.OrganizationByKeyHash(ctx, "hash-1"); kabinet.ErrorCode(err) != kabinet.ENOTFOUND {
		t.Errorf("the rotated key still works: %v", err)
	}
	if _, id, err := db.OrganizationByKeyHash(ctx, "hash-2"); err != nil || id != next.ID {
		t.Errorf("the new key: got %s, %v", id, err)
	}
	keys, err := db.APIKeys(ctx, orgA, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys[0].ID != next.ID || keys[len(keys)-1].ID != k.ID {
		t.Fatalf("got %d keys, want the new one first and the revoked last", len(keys))
	}
	if last := keys[len(keys)-1]; last.LastUsedAt == nil || !last.LastUsedAt.Equal(now.Add(time.Hour)) || last.RevokedAt == nil {
		t.Errorf("revoked key: got last used %v, revoked %v", last.LastUsedAt, last.RevokedAt)
	}
	e := &kabinet.AuditEntry{OrgID: orgA, Actor: "key:" + next.ID, Operation: "x", Outcome: "OK", Detail: `{"before":1,"after":2}`}
	if err := db.RecordAudit(ctx, e); err != nil {
		t.Fatal(err)
	}
	h := &kabinet.AuditEntry{OrgID: orgA, Actor: "hr:hru_x", ActorName: "Анна", Operation: "y", Outcome: "OK"}
	if err := db.RecordAudit(ctx, h); err != nil {
		t.Fatal(err)
	}
	log, err := db.AuditLog(ctx, orgA, 0, 10)
	if err != nil || len(log) != 2 {
		t.Fatalf("audit log: got %d entries, %v", len(log), err)
	}
	if log[0].ActorName != "Анна" || log[1].ActorName != "1С" || log[1].Detail != `{"before":1,"after":2}` {
		t.Errorf("audit names: got %q and %q (detail %q)", log[0].ActorName, log[1].ActorName, log[1].Detail)
	}
}
