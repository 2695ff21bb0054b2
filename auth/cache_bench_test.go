package auth_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/auth"
	"github.com/kabinet/kabinet/internal/testkit"
)

// memStore keeps sessions in memory and counts the reads that the cache
// did not answer. Only what Authenticate and StartSession use is here.
type memStore struct {
	auth.Store
	auth.PolicyStore
	reads    atomic.Int64
	sessions sync.Map // id → employee id
}

func (m *memStore) StartSession(_ context.Context, s *kabinet.SessionStart) (bool, []string, error) {
	s.Session.DeviceID = "dev-" + s.Device.ClientID
	m.sessions.Store(s.Session.ID, s.Session.EmployeeID)
	return false, nil, nil
}

func (m *memStore) Session(_ context.Context, id string) (*kabinet.SessionInfo, error) {
	m.reads.Add(1)
	emp, _ := m.sessions.Load(id)
	return &kabinet.SessionInfo{ID: id, OrgID: "org", EmployeeID: emp.(string), DeviceID: "dev"}, nil
}

func (m *memStore) AuthPolicy(context.Context, string) (*kabinet.AuthPolicy, error) { return nil, nil }

// BenchmarkAuthenticate is the check every authenticated request makes.
// Hit: one phone, everything cached. Phones: 15,000 phones make 90 % of the
// requests and 15,000 others the rest — more than the cache holds, as in a
// large deployment; misses/op is the share of requests that had to read
// the session from the store.
func BenchmarkAuthenticate(b *testing.B) {
	clock := testkit.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	store := &memStore{}
	s := &auth.Service{Store: store, Policies: store, Clock: clock, Key: []byte("0123456789abcdef0123456789abcdef")}
	ctx := context.Background()
	const hot, cold = 15_000, 15_000
	tokens := make([]string, hot+cold)
	for i := range tokens {
		sess, err := s.StartSession(ctx, "org", fmt.Sprintf("emp-ses%d", i), kabinet.Device{ClientID: fmt.Sprint(i)}, kabinet.MethodPassword)
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = sess.AccessToken
	}
	b.Run("Hit", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Authenticate(ctx, tokens[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("Phones", func(b *testing.B) {
		var seq atomic.Int64
		start := store.reads.Load()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(seq.Add(1))
				tok := tokens[i%hot]
				if i%10 == 0 {
					tok = tokens[hot+(i/10)%cold]
				}
				if _, err := s.Authenticate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(store.reads.Load()-start)/float64(b.N), "misses/op")
	})
}
