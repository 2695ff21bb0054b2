package kabinet_test

import (
	"testing"

	"github.com/kabinet/kabinet"
)

func TestOrgChartManagerOf(t *testing.T) {
	// ROOT (head BOSS, the organisation's head)
	//   IT (head CTO)
	//     DEV (no head)
	//       SUB (head SUBH)
	//   HR (head NOT-YET, not published)
	//   OPS (head BOSS too)
	// LOOP1 <-> LOOP2 (a cycle publication would refuse)
	chart := kabinet.NewOrgChart([]kabinet.OrgUnit{
		{ExternalID: "ROOT", HeadExternalID: "BOSS", HeadID: "e-boss"},
		{ExternalID: "IT", ParentExternalID: "ROOT", HeadExternalID: "CTO", HeadID: "e-cto"},
		{ExternalID: "DEV", ParentExternalID: "IT"},
		{ExternalID: "SUB", ParentExternalID: "DEV", HeadExternalID: "SUBH", HeadID: "e-subh"},
		{ExternalID: "HR", ParentExternalID: "ROOT", HeadExternalID: "NOT-YET"},
		{ExternalID: "OPS", ParentExternalID: "ROOT", HeadExternalID: "BOSS", HeadID: "e-boss"},
		{ExternalID: "LOOP1", ParentExternalID: "LOOP2"},
		{ExternalID: "LOOP2", ParentExternalID: "LOOP1"},
	}, "e-boss")
	for _, tt := range []struct {
		name string
		e    kabinet.OrgMember
		want string
	}{
		{"OK", kabinet.OrgMember{ID: "e-dev1", ExternalID: "DEV1", DepartmentExternalID: "IT"}, "e-cto"},
		{"HeadReportsUp", kabinet.OrgMember{ID: "e-cto", ExternalID: "CTO", DepartmentExternalID: "IT"}, "e-boss"},
		// No head, or an unpublished one: the organisation's head, not the
		// parent department's (docs/product.md §Manager rule).
		{"NoHeadOrgHead", kabinet.OrgMember{ID: "e-dev2", ExternalID: "DEV2", DepartmentExternalID: "DEV"}, "e-boss"},
		{"UnpublishedHeadOrgHead", kabinet.OrgMember{ID: "e-hr", ExternalID: "HR1", DepartmentExternalID: "HR"}, "e-boss"},
		{"SubordinateOfHead", kabinet.OrgMember{ID: "e-sub1", ExternalID: "SUB1", DepartmentExternalID: "SUB"}, "e-subh"},
		{"HeadUnderHeadless", kabinet.OrgMember{ID: "e-subh", ExternalID: "SUBH", DepartmentExternalID: "SUB"}, "e-boss"},
		{"HeadOfTwoLevels", kabinet.OrgMember{ID: "e-boss", ExternalID: "BOSS", DepartmentExternalID: "OPS"}, ""},
		{"OrgHeadHasNone", kabinet.OrgMember{ID: "e-boss", ExternalID: "BOSS", DepartmentExternalID: "ROOT"}, ""},
		{"NoDepartment", kabinet.OrgMember{ID: "e-x", ExternalID: "X"}, "e-boss"},
		{"UnknownDepartment", kabinet.OrgMember{ID: "e-x", ExternalID: "X", DepartmentExternalID: "GONE"}, "e-boss"},
		{"CycleEnds", kabinet.OrgMember{ID: "e-l", ExternalID: "L", DepartmentExternalID: "LOOP1"}, "e-boss"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := chart.ManagerOf(tt.e); got != tt.want {
				t.Errorf("manager of %s: got %q, want %q", tt.e.ExternalID, got, tt.want)
			}
		})
	}
	t.Run("NoOrgHead", func(t *testing.T) {
		c := kabinet.NewOrgChart([]kabinet.OrgUnit{{ExternalID: "A"}}, "")
		if got := c.ManagerOf(kabinet.OrgMember{ID: "e", ExternalID: "E", DepartmentExternalID: "A"}); got != "" {
			t.Errorf("got %q, want none", got)
		}
	})
}
