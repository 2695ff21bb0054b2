package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/internal/storecodec"
)

// Certificate requests (migration 0010): the kinds HR configures, the
// employees' requests and the PDFs HR attaches. Which transitions are
// allowed, what a request must carry and whether a file is a PDF are
// decided in Go (package requests); the store writes what it is told, with
// the request's row locked, and records each change of a request in the
// change log for its employee (sync).

// UpsertCertificateKinds creates or replaces the organisation's kinds by
// code, in one transaction.
func (s *Store) UpsertCertificateKinds(ctx context.Context, orgID string, kinds []kabinet.CertificateKind) error {
	now := storecodec.MS(s.now())
	return s.run.Write(ctx, func(tx Tx) error {
		for _, k := range kinds {
			if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_kinds (org_id, code, title, needs_purpose, needs_period,
				promised_days, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, code) DO UPDATE SET title = excluded.title, needs_purpose = excluded.needs_purpose,
				needs_period = excluded.needs_period, promised_days = excluded.promised_days, active = excluded.active,
				updated_at = excluded.updated_at`,
				orgID, k.Code, k.Title, k.NeedsPurpose, k.NeedsPeriod, k.PromisedDays, k.Active, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// CertificateKinds lists the organisation's kinds by code; only the active
// ones with activeOnly.
func (s *Store) CertificateKinds(ctx context.Context, orgID string, activeOnly bool) ([]*kabinet.CertificateKind, error) {
	var out []*kabinet.CertificateKind
	err := s.run.Read(ctx, func(tx Tx) error {
		q := `SELECT code, title, needs_purpose, needs_period, promised_days, active, updated_at
			FROM certificate_kinds WHERE org_id = ?`
		args := []any{orgID}
		if activeOnly {
			q += ` AND active = ?`
			args = append(args, true)
		}
		var err error
		out, err = queryAll(ctx, tx, func(r scanner) (*kabinet.CertificateKind, error) {
			k := &kabinet.CertificateKind{}
			var at int64
			err := r.Scan(&k.Code, &k.Title, &k.NeedsPurpose, &k.NeedsPeriod, &k.PromisedDays, &k.Active, &at)
			k.UpdatedAt = storecodec.FromMS(at)
			return k, err
		}, q+` ORDER BY code`, args...)
		return err
	})
	return out, err
}

const certificateColumns = `c.id, c.org_id, c.employee_id, e.external_id, c.kind_code, c.kind_title, c.purpose, c.period_from,
	c.period_to, c.status, c.due_on, c.on_paper, c.file_size, c.file_sha256, c.cancel_reason, c.client_mutation_id,
	c.fingerprint, c.created_at, c.started_at, c.ready_at, c.cancelled_at, c.updated_at`

const certificateFrom = ` FROM certificate_requests c JOIN employees e ON e.id = c.employee_id`

func scanCertificate(r scanner) (*kabinet.CertificateRequest, error) {
	c := &kabinet.CertificateRequest{}
	var created, updated int64
	var started, ready, cancelled sql.NullInt64
	err := r.Scan(&c.ID, &c.OrgID, &c.EmployeeID, &c.EmployeeExternalID, &c.KindCode, &c.KindTitle, &c.Purpose, &c.PeriodFrom,
		&c.PeriodTo, &c.Status, &c.DueOn, &c.OnPaper, &c.FileSize, &c.FileSHA256, &c.CancelReason, &c.ClientMutationID,
		&c.Fingerprint, &created, &started, &ready, &cancelled, &updated)
	c.CreatedAt, c.UpdatedAt = storecodec.FromMS(created), storecodec.FromMS(updated)
	c.StartedAt, c.ReadyAt, c.CancelledAt = storecodec.NullTime(started), storecodec.NullTime(ready), storecodec.NullTime(cancelled)
	return c, err
}

// CreateCertificateRequest writes a new request, unless the employee
// already used its ClientMutationID: then it returns that request with
// replayed set (the caller compares fingerprints). The creation is a change
// of the employee's sync.
func (s *Store) CreateCertificateRequest(ctx context.Context, r *kabinet.CertificateRequest) (*kabinet.CertificateRequest, bool, error) {
	var out *kabinet.CertificateRequest
	var replayed bool
	err := s.run.Write(ctx, func(tx Tx) error {
		prev, err := queryAll(ctx, tx, scanCertificate, `SELECT `+certificateColumns+certificateFrom+`
			WHERE c.employee_id = ? AND c.client_mutation_id = ?`, r.EmployeeID, r.ClientMutationID)
		if err != nil {
			return err
		}
		if len(prev) > 0 {
			out, replayed = prev[0], true
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_requests (id, org_id, employee_id, kind_code, kind_title,
			purpose, period_from, period_to, status, due_on, on_paper, file_size, file_sha256, cancel_reason,
			client_mutation_id, fingerprint, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '', '', ?, ?, ?, ?)`,
			r.ID, r.OrgID, r.EmployeeID, r.KindCode, r.KindTitle, r.Purpose, r.PeriodFrom, r.PeriodTo, r.Status, r.DueOn, false,
			r.ClientMutationID, r.Fingerprint, storecodec.MS(r.CreatedAt), storecodec.MS(r.CreatedAt)); err != nil {
			return err
		}
		out, err = certificateIn(ctx, tx, r.OrgID, r.ID, "")
		if err != nil {
			return err
		}
		return tx.RecordChange(ctx, r.OrgID, r.EmployeeID, kabinet.EntityCertificateRequest, r.ID, opUpsert, r.CreatedAt)
	})
	return out, replayed, err
}

// certificateIn reads one request of the organisation, with lock appended
// (a row lock or ""); NOT_FOUND when there is none.
func certificateIn(ctx context.Context, tx Tx, orgID, id, lock string) (*kabinet.CertificateRequest, error) {
	c, err := scanCertificate(tx.QueryRowContext(ctx, `SELECT `+certificateColumns+certificateFrom+`
		WHERE c.org_id = ? AND c.id = ?`+lock, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no certificate request %q in this organisation", id)
	}
	return c, err
}

// CertificateRequest returns one request of the organisation; NOT_FOUND.
func (s *Store) CertificateRequest(ctx context.Context, orgID, id string) (*kabinet.CertificateRequest, error) {
	var out *kabinet.CertificateRequest
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		out, err = certificateIn(ctx, tx, orgID, id, "")
		return err
	})
	return out, err
}

// CertificateRequests lists the organisation's requests f selects, oldest
// first (HR's queue), at most f.Limit.
func (s *Store) CertificateRequests(ctx context.Context, orgID string, f kabinet.CertificateRequestFilter) ([]*kabinet.CertificateRequest, error) {
	q := `SELECT ` + certificateColumns + certificateFrom + ` WHERE c.org_id = ?`
	args := []any{orgID}
	if f.Status != "" {
		q += ` AND c.status = ?`
		args = append(args, f.Status)
	}
	if f.EmployeeID != "" {
		q += ` AND c.employee_id = ?`
		args = append(args, f.EmployeeID)
	}
	var out []*kabinet.CertificateRequest
	err := s.run.Read(ctx, func(tx Tx) (err error) {
		out, err = queryAll(ctx, tx, scanCertificate, q+` ORDER BY c.created_at, c.id LIMIT ?`, append(args, f.Limit)...)
		return err
	})
	return out, err
}

// TransitionCertificateRequest locks the organisation's request, calls
// decide with it and applies the transition it returns, in one
// transaction: the new status and its time, the file (stored beside the
// request) or paper, a cancellation's reason, and a change of the
// employee's sync. decide's error writes nothing.
func (s *Store) TransitionCertificateRequest(ctx context.Context, orgID, id string, decide func(*kabinet.CertificateRequest) (kabinet.CertificateTransition, error)) (*kabinet.CertificateRequest, error) {
	var out *kabinet.CertificateRequest
	err := s.run.Write(ctx, func(tx Tx) error {
		cur, err := certificateIn(ctx, tx, orgID, id, s.dialect.ForUpdate())
		if err != nil {
			return err
		}
		t, err := decide(cur)
		if err != nil {
			return err
		}
		at := storecodec.MS(t.At)
		set := `status = ?, updated_at = ?`
		args := []any{t.To, at}
		switch t.To {
		case kabinet.CertificateInProgress:
			set += `, started_at = ?`
			args = append(args, at)
		case kabinet.CertificateReady:
			set += `, ready_at = ?, on_paper = ?, file_size = ?, file_sha256 = ?`
			args = append(args, at, t.OnPaper, len(t.File), t.SHA256)
		case kabinet.CertificateCancelled:
			set += `, cancelled_at = ?, cancel_reason = ?`
			args = append(args, at, t.Reason)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificate_requests SET `+set+` WHERE org_id = ? AND id = ?`,
			append(args, orgID, id)...); err != nil {
			return err
		}
		if t.File != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_files (request_id, content, created_at) VALUES (?, ?, ?)`,
				id, t.File, at); err != nil {
				return err
			}
		}
		if out, err = certificateIn(ctx, tx, orgID, id, ""); err != nil {
			return err
		}
		return tx.RecordChange(ctx, orgID, cur.EmployeeID, kabinet.EntityCertificateRequest, id, opUpsert, t.At)
	})
	return out, err
}

// CertificateFile returns the request of the organisation and its PDF;
// NOT_FOUND when either is missing.
func (s *Store) CertificateFile(ctx context.Context, orgID, id string) (*kabinet.CertificateRequest, []byte, error) {
	var req *kabinet.CertificateRequest
	var content []byte
	err := s.run.Read(ctx, func(tx Tx) error {
		var err error
		if req, err = certificateIn(ctx, tx, orgID, id, ""); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT content FROM certificate_files WHERE request_id = ?`, id).Scan(&content)
		if errors.Is(err, sql.ErrNoRows) {
			return kabinet.Errorf(kabinet.ENOTFOUND, "certificate request %q has no file", id)
		}
		return err
	})
	return req, content, err
}
