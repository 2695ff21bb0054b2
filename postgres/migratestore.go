package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// TableCheck is one table of a store copy: its row count and the checksum
// of its rows on each side. The checksum is SHA-256 over the rows in
// primary-key order (text keys in byte order on both sides), each value
// normalised by the PostgreSQL column's type: integers in decimal, booleans
// as 0 or 1 (SQLite stores them as integers), bytea in hex, NULL as a marker
// no value can take, every value length-prefixed.
type TableCheck struct {
	Table                  string
	SourceRows, TargetRows int64
	SourceSum, TargetSum   string
}

// OK reports whether both sides agree.
func (c TableCheck) OK() bool {
	return c.SourceRows == c.TargetRows && c.SourceSum == c.TargetSum
}

// CopyReport is what CopyFromSQLite did.
type CopyReport struct {
	Tables []TableCheck
	// Head and Floor are the change-log position and retention floor the
	// SQLite store had; every organisation's sync_counters row is set to
	// them (see CopyFromSQLite).
	Head, Floor int64
}

// OK reports whether every table agrees.
func (r CopyReport) OK() bool {
	for _, t := range r.Tables {
		if !t.OK() {
			return false
		}
	}
	return true
}

// ErrTargetNotEmpty is CopyFromSQLite's answer for a database that already
// holds data: a store copy never merges.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// sqliteOnly are the source tables with no table of the same name here:
// SQLite's one-row retention floor becomes the sync_counters rows.
var sqliteOnly = []string{"sync_state"}

// derived are the tables CopyFromSQLite fills from the copied rows instead
// of copying them.
var derived = []string{"sync_counters", "schema_migrations"}

// CopyFromSQLite copies every table of a SQLite store (src, opened
// read-only on a file fully migrated to the same versions) into the
// PostgreSQL database at dsn, which it migrates first and which must hold no
// rows. Everything happens in one transaction: the rows, the identity
// sequences moved past the copied ids, and one sync_counters row per
// organisation. Before committing it reads every table back and compares
// row counts and checksums with the source's; on any difference it rolls
// back and returns the report with OK() false, leaving the target empty.
//
// SQLite numbers changes in one sequence for all organisations; here each
// organisation has its own counter. The copied changes keep their
// positions, and every counter starts at the SQLite head (the highest
// position ever given out), so a phone's cursor stays valid: it is at or
// below its organisation's counter and every later change gets a higher
// position. The floor is SQLite's, for every organisation.
func CopyFromSQLite(ctx context.Context, src *sql.DB, dsn string) (CopyReport, error) {
	var rep CopyReport
	db, err := Open(ctx, dsn, nil, Options{MaxConns: 2})
	if err != nil {
		return rep, err
	}
	defer db.Close()
	pc, err := db.pool.Acquire(ctx)
	if err != nil {
		return rep, fmt.Errorf("postgres: %w", err)
	}
	defer pc.Release()
	dst, err := pc.Conn().Begin(ctx)
	if err != nil {
		return rep, fmt.Errorf("postgres: %w", err)
	}
	defer dst.Rollback(ctx)
	// One snapshot of the source for the copy and its checksums.
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("sqlite: %w", err)
	}
	defer stx.Rollback()

	tables, err := targetTables(ctx, dst)
	if err != nil {
		return rep, err
	}
	if err := sameTables(ctx, stx, tables); err != nil {
		return rep, err
	}
	for _, t := range tables {
		if t.name == "schema_migrations" {
			continue
		}
		var any bool
		if err := dst.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.name}.Sanitize()+`)`).Scan(&any); err != nil {
			return rep, fmt.Errorf("postgres: %w", err)
		}
		if any {
			return rep, fmt.Errorf("%w: table %s has rows; migrate-store copies into a freshly created, empty database only", ErrTargetNotEmpty, t.name)
		}
	}
	for _, t := range tables {
		if slices.Contains(derived, t.name) {
			continue
		}
		c, err := copyTable(ctx, stx, dst, t)
		if err != nil {
			return rep, fmt.Errorf("copy %s: %w", t.name, err)
		}
		rep.Tables = append(rep.Tables, c)
	}
	if err := stx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0),
		coalesce((SELECT max(seq) FROM changes), 0)), (SELECT floor_seq FROM sync_state WHERE id = 1)`).Scan(&rep.Head, &rep.Floor); err != nil {
		return rep, fmt.Errorf("sqlite: change-log head: %w", err)
	}
	if _, err := dst.Exec(ctx, `INSERT INTO sync_counters (org_id, seq, floor_seq) SELECT id, $1, $2 FROM organizations`,
		max(rep.Head, rep.Floor), rep.Floor); err != nil {
		return rep, fmt.Errorf("postgres: sync counters: %w", err)
	}
	for i, t := range rep.Tables {
		n, sum, err := checksum(ctx, dst, tableByName(tables, t.Table))
		if err != nil {
			return rep, fmt.Errorf("verify %s: %w", t.Table, err)
		}
		rep.Tables[i].TargetRows, rep.Tables[i].TargetSum = n, sum
	}
	if !rep.OK() {
		return rep, nil
	}
	if err := dst.Commit(ctx); err != nil {
		return rep, fmt.Errorf("postgres: commit: %w", err)
	}
	return rep, nil
}

// table is one table of the target schema, as the catalogue describes it.
type table struct {
	name     string
	cols     []string
	types    []string // information_schema data_type per column
	pk       []string
	identity []string
	refs     []string // tables its foreign keys reference
}

func tableByName(ts []table, name string) table {
	for _, t := range ts {
		if t.name == name {
			return t
		}
	}
	return table{}
}

// targetTables lists the base tables of the current schema in an order in
// which foreign keys are satisfied (referenced tables first).
func targetTables(ctx context.Context, tx pgx.Tx) ([]table, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES'
		FROM information_schema.columns c JOIN information_schema.tables t
		  ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
		WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("postgres: catalogue: %w", err)
	}
	var ts []table
	for rows.Next() {
		var name, col, typ string
		var ident bool
		if err := rows.Scan(&name, &col, &typ, &ident); err != nil {
			return nil, err
		}
		if len(ts) == 0 || ts[len(ts)-1].name != name {
			ts = append(ts, table{name: name})
		}
		t := &ts[len(ts)-1]
		t.cols, t.types = append(t.cols, col), append(t.types, typ)
		if ident {
			t.identity = append(t.identity, col)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range ts {
		t := &ts[i]
		rel := pgx.Identifier{t.name}.Sanitize()
		pk, err := column(ctx, tx, `SELECT a.attname FROM pg_index i
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary
			ORDER BY array_position(i.indkey::int2[], a.attnum)`, rel)
		if err != nil {
			return nil, fmt.Errorf("postgres: primary key of %s: %w", t.name, err)
		}
		if len(pk) == 0 {
			pk = t.cols // no key: order by every column
		}
		t.pk = pk
		t.refs, err = column(ctx, tx, `SELECT DISTINCT confrelid::regclass::text FROM pg_constraint
			WHERE contype = 'f' AND conrelid = $1::regclass AND confrelid <> conrelid`, rel)
		if err != nil {
			return nil, fmt.Errorf("postgres: foreign keys of %s: %w", t.name, err)
		}
	}
	// Order: repeatedly take the tables whose references are all placed.
	// Bounded: each pass places at least one table or fails.
	var out []table
	placed := map[string]bool{}
	for len(out) < len(ts) {
		progress := false
		for _, t := range ts {
			if placed[t.name] || slices.ContainsFunc(t.refs, func(r string) bool { return !placed[strings.Trim(r, `"`)] }) {
				continue
			}
			out, placed[t.name], progress = append(out, t), true, true
		}
		if !progress {
			return nil, errors.New("postgres: foreign keys form a cycle; no copy order")
		}
	}
	return out, nil
}

// column returns the first column of a query's rows.
func column(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// sameTables checks that the source has the target's tables and columns
// (apart from each store's own bookkeeping tables), so that nothing is left
// behind unnoticed.
func sameTables(ctx context.Context, stx *sql.Tx, ts []table) error {
	rows, err := stx.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)
	if err != nil {
		return fmt.Errorf("sqlite: catalogue: %w", err)
	}
	defer rows.Close()
	source := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return err
		}
		source[t] = append(source[t], c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var diffs []string
	for _, t := range ts {
		if slices.Contains(derived, t.name) {
			continue
		}
		sc, ok := source[t.name]
		if !ok {
			diffs = append(diffs, "table "+t.name+" is missing from the source")
			continue
		}
		if !slices.Equal(sorted(sc), sorted(t.cols)) {
			diffs = append(diffs, fmt.Sprintf("table %s: source columns %v, target columns %v", t.name, sc, t.cols))
		}
		delete(source, t.name)
	}
	for t := range source {
		if !slices.Contains(sqliteOnly, t) && !slices.Contains(derived, t) {
			diffs = append(diffs, "source table "+t+" has no place in the target")
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return fmt.Errorf("the source and target schemas differ (are both at the same migration?): %s", strings.Join(diffs, "; "))
	}
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// copyTable streams one table from the source into the target with COPY,
// checksumming the source rows as they pass, then moves the identity
// sequences past the copied ids.
func copyTable(ctx context.Context, stx *sql.Tx, dst pgx.Tx, t table) (TableCheck, error) {
	c := TableCheck{Table: t.name}
	rows, err := stx.QueryContext(ctx, selectOrdered(t, false))
	if err != nil {
		return c, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	src := &sourceRows{rows: rows, t: t, sum: sha256.New(), vals: make([]any, len(t.cols))}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src)
	if err != nil {
		return c, err
	}
	if src.err != nil {
		return c, src.err
	}
	c.SourceRows, c.SourceSum = src.n, hex.EncodeToString(src.sum.Sum(nil))
	if n != src.n {
		return c, fmt.Errorf("copied %d rows of %d", n, src.n)
	}
	for _, col := range t.identity {
		id := pgx.Identifier{col}.Sanitize()
		if _, err := dst.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(`+id+`), 0) + 1, false) FROM `+
			pgx.Identifier{t.name}.Sanitize(), t.name, col); err != nil {
			return c, fmt.Errorf("identity %s: %w", col, err)
		}
	}
	return c, nil
}

// selectOrdered selects t's columns in primary-key order; on PostgreSQL
// text keys are compared byte-wise (COLLATE "C"), as SQLite's BINARY does.
func selectOrdered(t table, pg bool) string {
	order := make([]string, len(t.pk))
	for i, k := range t.pk {
		order[i] = pgx.Identifier{k}.Sanitize()
		if pg && t.types[slices.Index(t.cols, k)] == "text" {
			order[i] += ` COLLATE "C"`
		}
	}
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + pgx.Identifier{t.name}.Sanitize() + ` ORDER BY ` + strings.Join(order, ", ")
}

// sourceRows feeds COPY from the SQLite rows, converting each value to the
// target column's type and adding the row to the checksum.
type sourceRows struct {
	rows *sql.Rows
	t    table
	sum  hash.Hash
	vals []any
	n    int64
	err  error
}

func (s *sourceRows) Next() bool {
	if !s.rows.Next() {
		s.err = s.rows.Err()
		return false
	}
	ptrs := make([]any, len(s.vals))
	raw := make([]any, len(s.vals))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if s.err = s.rows.Scan(ptrs...); s.err != nil {
		return false
	}
	for i, v := range raw {
		if s.vals[i], s.err = convert(v, s.t.types[i]); s.err != nil {
			s.err = fmt.Errorf("column %s: %w", s.t.cols[i], s.err)
			return false
		}
	}
	hashRow(s.sum, s.vals)
	s.n++
	return true
}

func (s *sourceRows) Values() ([]any, error) { return s.vals, nil }
func (s *sourceRows) Err() error             { return s.err }

// convert turns a SQLite value into the target column type's Go value.
func convert(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case bool:
			return x, nil
		}
	case "bigint", "integer", "smallint":
		if x, ok := v.(int64); ok {
			return x, nil
		}
	case "text":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return nil, fmt.Errorf("value %v (%T) does not fit a %s column", v, v, typ)
}

// hashRow adds one row of converted values to the checksum.
func hashRow(h hash.Hash, vals []any) {
	var b []byte
	for _, v := range vals {
		var s string
		switch x := v.(type) {
		case nil:
			b = append(b, 'N')
			continue
		case bool:
			s = "0"
			if x {
				s = "1"
			}
		case int64:
			s = strconv.FormatInt(x, 10)
		case int32:
			s = strconv.FormatInt(int64(x), 10)
		case int16:
			s = strconv.FormatInt(int64(x), 10)
		case string:
			s = x
		case []byte:
			s = hex.EncodeToString(x)
		default:
			s = fmt.Sprintf("%T:%v", x, x)
		}
		b = strconv.AppendInt(append(b, 'V'), int64(len(s)), 10)
		b = append(append(b, ':'), s...)
	}
	h.Write(append(b, '\n'))
}

// checksum reads a table of the target back in key order and returns its
// row count and checksum.
func checksum(ctx context.Context, tx pgx.Tx, t table) (int64, string, error) {
	rows, err := tx.Query(ctx, selectOrdered(t, true))
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	h := sha256.New()
	var n int64
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return 0, "", err
		}
		hashRow(h, vals)
		n++
	}
	return n, hex.EncodeToString(h.Sum(nil)), rows.Err()
}
