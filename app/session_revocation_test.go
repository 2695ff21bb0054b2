package app_test

import (
	"testing"

	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/internal/testkit"
)

// TestRevocationAcrossInstances: two instances share the database. A
// revocation made through instance A refuses the token on A at once, and on
// B — which had the session cached — within auth.SessionCacheTTL.
func TestRevocationAcrossInstances(t *testing.T) {
	a := testkit.Start(t)
	org, key := a.NewOrg(t, "Org")
	a.SeedEmployees(t, key, 3)
	b := secondInstance(t, a)
	me := `{ me { externalId } }`
	for _, tc := range []struct {
		name   string
		emp    string
		revoke func(t *testing.T, token string)
	}{
		{"Logout", "E-1", func(t *testing.T, token string) {
			a.Do(t, token, `mutation { logout }`, nil).Must(t, nil)
		}},
		{"RevokeDevice", "E-2", func(t *testing.T, token string) {
			other := a.EmployeeSession(t, org, "E-2", "device-other")
			var out struct {
				Devices []struct{ ID, InstallID string }
			}
			a.Do(t, other.AccessToken, `{ devices { id installId } }`, nil).Must(t, &out)
			for _, d := range out.Devices {
				if d.InstallID == "device-rev" {
					a.Do(t, other.AccessToken, `mutation($id: ID!) { revokeDevice(id: $id) }`, map[string]any{"id": d.ID}).Must(t, nil)
				}
			}
		}},
		{"HRBlock", "E-3", func(t *testing.T, _ string) {
			a.Do(t, key, `mutation { blockCabinet(employeeExternalId: "E-3") { status } }`, nil).Must(t, nil)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := a.EmployeeSession(t, org, tc.emp, "device-rev")
			a.Do(t, s.AccessToken, me, nil).Must(t, nil)
			b.Do(t, s.AccessToken, me, nil).Must(t, nil) // cached on B now
			tc.revoke(t, s.AccessToken)
			a.Do(t, s.AccessToken, me, nil).WantCode(t, "UNAUTHENTICATED")
			a.Clock.Add(auth.SessionCacheTTL) // B shares A's clock
			b.Do(t, s.AccessToken, me, nil).WantCode(t, "UNAUTHENTICATED")
		})
	}
}
