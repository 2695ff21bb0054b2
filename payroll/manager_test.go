package payroll_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/payroll"
)

// chartStore counts the organisation-chart reads; the rest of payroll.Store
// is not used by Manager.
type chartStore struct {
	payroll.Store
	reads atomic.Int32
}

func (s *chartStore) OrgChart(context.Context, string) (*kabinet.OrgChart, error) {
	s.reads.Add(1)
	return kabinet.NewOrgChart([]kabinet.OrgUnit{{ExternalID: "IT", HeadExternalID: "CTO", HeadID: "e-cto"}}, "e-boss"), nil
}

func (s *chartStore) Employee(_ context.Context, _, id string) (*kabinet.Employee, error) {
	return &kabinet.Employee{ID: id}, nil
}

// TestManagerReadsChartOncePerRequest: a listing of employees with their
// managers reads the organisation chart once per request (concurrent field
// resolvers included), and once per call without the memo.
func TestManagerReadsChartOncePerRequest(t *testing.T) {
	st := &chartStore{}
	svc := &payroll.Service{Store: st}
	ctx := payroll.WithOrgCharts(context.Background())
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := svc.Manager(ctx, &kabinet.Employee{ID: "e" + string(rune('a'+i%26)), OrgID: "o", DepartmentExternalID: "IT"})
			if err != nil || m == nil || m.ID != "e-cto" {
				t.Errorf("got %+v, %v, want e-cto", m, err)
			}
		}()
	}
	wg.Wait()
	if got := st.reads.Load(); got != 1 {
		t.Errorf("got %d chart reads for one request, want 1", got)
	}
	for range 3 {
		if _, err := svc.Manager(context.Background(), &kabinet.Employee{ID: "x", OrgID: "o", DepartmentExternalID: "IT"}); err != nil {
			t.Fatal(err)
		}
	}
	if got := st.reads.Load(); got != 4 {
		t.Errorf("got %d chart reads after 3 calls without the memo, want 4", got)
	}
}
