package sync_test

import (
	"testing"

	"github.com/kabinet/kabinet"
	ksync "github.com/kabinet/kabinet/sync"
)

func TestCursorRoundTrip(t *testing.T) {
	s := &ksync.Service{Key: []byte("0123456789abcdef0123456789abcdef")}
	for _, c := range []ksync.Cursor{
		{Version: ksync.ProtocolVersion},
		{Version: ksync.ProtocolVersion, Pos: 1},
		{Version: ksync.ProtocolVersion, Pos: 1<<62 - 1, Full: true},
		{Version: ksync.ProtocolVersion, Pos: 42, Snapshot: true, Full: true, After: kabinet.RecordRef{Entity: kabinet.EntityPayslip, ID: "ps_abc"}},
		{Version: ksync.ProtocolVersion, Pos: 42, Snapshot: true, Full: true, After: kabinet.RecordRef{Entity: kabinet.EntityLeaveBalance, ID: "lb_x"}},
		{Version: ksync.ProtocolVersion, Pos: 7, Snapshot: true, Full: true, After: kabinet.RecordRef{Entity: kabinet.EntityVacation, ID: "vac_xyzxyzxyzxyzxyz"}},
	} {
		enc := s.EncodeCursor("org_1", "emp_1", c)
		got, err := s.DecodeCursor("org_1", "emp_1", enc)
		if err != nil || got != c {
			t.Errorf("round trip of %+v: got %+v, %v", c, got, err)
		}
		if len(enc) > 80 {
			t.Errorf("cursor %+v is %d characters, want a short one", c, len(enc))
		}
		if _, err := s.DecodeCursor("org_1", "emp_2", enc); kabinet.ErrorCode(err) != kabinet.ERESETREQUIRED {
			t.Errorf("another employee's %+v: got %v, want RESET_REQUIRED", c, err)
		}
	}
}
