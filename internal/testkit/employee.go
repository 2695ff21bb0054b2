package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/activation"
)

// EmployeePassword is the password of employees activated by EmployeeSession.
const EmployeePassword = "correct horse battery staple"

// EmployeeSession signs the employee (by external ID, in the organisation
// orgID) in on a test device, as a successful activation would, and returns
// the session with its access and refresh tokens. deviceID is the app's
// install id ("" for "device-1"). The employee's cabinet is made ACTIVE
// (login from the name, password EmployeePassword) unless it already is, or
// is BLOCKED.
func (e *Env) EmployeeSession(tb testing.TB, orgID, employeeExternalID, deviceID string) *kabinet.Session {
	tb.Helper()
	ctx := context.Background()
	emp, err := e.App.DB.EmployeeByExternalID(ctx, orgID, employeeExternalID)
	if err != nil {
		tb.Fatalf("employee %s: %v", employeeExternalID, err)
	}
	if deviceID == "" {
		deviceID = "device-1"
	}
	e.activeCabinet(tb, orgID, emp)
	s, err := e.App.Auth.StartSession(ctx, orgID, emp.ID, kabinet.Device{ClientID: deviceID, Platform: kabinet.PlatformAndroid, Model: "Pixel 8"}, kabinet.MethodPassword)
	if err != nil {
		tb.Fatalf("start session: %v", err)
	}
	return s
}

// activeCabinet activates the employee's cabinet directly in the store.
func (e *Env) activeCabinet(tb testing.TB, orgID string, emp *kabinet.Employee) {
	tb.Helper()
	ctx := context.Background()
	db := e.App.DB
	c, err := db.Cabinet(ctx, orgID, emp.ID)
	if err == nil && (c.Status == kabinet.CabinetActive || c.Status == kabinet.CabinetBlocked) {
		return
	}
	hash := kabinet.NewID("testcode")
	switch {
	case kabinet.ErrorCode(err) == kabinet.ENOTFOUND:
		_, _, err = db.CreateCabinet(ctx, orgID, emp.ID, hash, e.Clock.Now().Add(24*time.Hour))
	case err == nil:
		_, _, err = db.IssueCode(ctx, orgID, emp.ID, hash, nil, []string{c.Status}, "test", nil)
	}
	if err != nil {
		tb.Fatalf("cabinet of %s: %v", emp.ExternalID, err)
	}
	pw := e.passwordHash(tb)
	if _, err := db.ActivateCabinet(ctx, &kabinet.CabinetActivation{OrgID: orgID, EmployeeID: emp.ID, CodeHash: hash,
		LoginBase: activation.LoginBase(emp), PasswordHash: pw, ConsentVersion: "1"}); err != nil {
		tb.Fatalf("activate %s: %v", emp.ExternalID, err)
	}
}

// EmployeeToken returns an access token of the employee on device "device-1".
func (e *Env) EmployeeToken(tb testing.TB, orgID, employeeExternalID string) string {
	tb.Helper()
	return e.EmployeeSession(tb, orgID, employeeExternalID, "").AccessToken
}

// passwordHash is EmployeePassword hashed once per server: argon2id costs
// tens of milliseconds, and tests that seed thousands of employees would
// spend minutes on it. Every cabinet shares the one PHC string (salt
// included), which verifies like any other.
func (e *Env) passwordHash(tb testing.TB) string {
	tb.Helper()
	e.pw.once.Do(func() {
		e.pw.hash, e.pw.err = e.App.Auth.Hasher.Hash(context.Background(), EmployeePassword, e.App.Auth.PasswordPepper)
	})
	if e.pw.err != nil {
		tb.Fatal(e.pw.err)
	}
	return e.pw.hash
}
