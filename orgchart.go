package kabinet

// OrgMember is an employee as the manager rule sees them.
type OrgMember struct {
	ID                   string
	ExternalID           string
	DepartmentExternalID string
}

// OrgUnit is a department as the manager rule sees it.
type OrgUnit struct {
	ExternalID       string
	ParentExternalID string
	HeadExternalID   string // "" when the department has no head
	HeadID           string // the head's employee id; "" when no head or not published
}

// OrgChart is an organisation's reporting lines: its departments with their
// heads and parents, and the organisation's head. It holds facts; ManagerOf
// is the one place the manager rule is written (docs/product.md §Manager rule). It is
// read-only once built and safe for concurrent use.
type OrgChart struct {
	units     map[string]OrgUnit
	orgHeadID string
}

// NewOrgChart builds the chart of an organisation from its departments and
// the employee id of its head ("" when none is marked).
func NewOrgChart(units []OrgUnit, orgHeadID string) *OrgChart {
	c := &OrgChart{units: make(map[string]OrgUnit, len(units)), orgHeadID: orgHeadID}
	for _, u := range units {
		c.units[u.ExternalID] = u
	}
	return c
}

// ManagerOf returns the employee id of e's manager, "" when e has none:
//
//   - the head of e's department;
//   - a department's own head reports to the head of the parent department
//     (and so on up, while e heads those departments too);
//   - where that department has no head, or its head is not published, the
//     organisation's head — not the parent department's head: HR names who
//     stands in for a missing head by publishing one;
//   - the organisation's head has no manager.
//
// The walk visits each department at most once, so a cycle in the data
// (which publication refuses) ends it; its cost is bounded by the number of
// departments.
func (c *OrgChart) ManagerOf(e OrgMember) string {
	dept := e.DepartmentExternalID
	for range len(c.units) {
		u, ok := c.units[dept]
		if !ok {
			break
		}
		if u.HeadExternalID == e.ExternalID || u.HeadID != "" && u.HeadID == e.ID {
			dept = u.ParentExternalID // a head reports to the head above
			continue
		}
		if u.HeadID != "" {
			return u.HeadID
		}
		break // no head, or not published: the organisation's head
	}
	if c.orgHeadID == e.ID {
		return ""
	}
	return c.orgHeadID
}
