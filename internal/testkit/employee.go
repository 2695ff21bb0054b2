package testkit

import (
	"context"
	"testing"

	"github.com/kabinet/kabinet"
)

// EmployeeSession signs the employee (by external ID, in the organisation
// orgID) in on a test device, as a successful activation would, and returns
// the session with its access and refresh tokens. deviceID is the app's
// install id ("" for "device-1").
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
	s, err := e.App.Auth.StartSession(ctx, orgID, emp.ID, kabinet.Device{ClientID: deviceID, Platform: kabinet.PlatformAndroid, Model: "Pixel 8"}, kabinet.MethodPassword)
	if err != nil {
		tb.Fatalf("start session: %v", err)
	}
	return s
}

// EmployeeToken returns an access token of the employee on device "device-1".
func (e *Env) EmployeeToken(tb testing.TB, orgID, employeeExternalID string) string {
	tb.Helper()
	return e.EmployeeSession(tb, orgID, employeeExternalID, "").AccessToken
}
