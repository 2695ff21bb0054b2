package sqlstore

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Lists go to the database as one parameter, a JSON array (bind JSON(v)),
// read as a table: one statement for any number of ids, and one statement
// text, whatever the count, for PostgreSQL's statement cache. The table has
// one row per element, in column value; the two engines name the function
// differently, which is all these say.

// JSONStrings is a table of the strings of the JSON array bound to its ?
// (column value, text): json_each on SQLite, json_array_elements_text on
// PostgreSQL. Use it as `x IN (SELECT value FROM `+d.JSONStrings()+`)` or
// in FROM with an alias.
func (d Dialect) JSONStrings() string {
	if d == Postgres {
		return "json_array_elements_text(?::json)"
	}
	return "json_each(?)"
}

// JSONObjects is a table of the objects of the JSON array bound to its ?
// (column value); read a field as text with `alias.value ->> 'key'`, which
// both engines understand.
func (d Dialect) JSONObjects() string {
	if d == Postgres {
		return "json_array_elements(?::json)"
	}
	return "json_each(?)"
}

// JSON is v as the JSON text a JSONStrings or JSONObjects parameter takes.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only slices of strings and plain structs are passed
	}
	return string(b)
}

// JSONPairs is a table of the members of the JSON object bound to its ?
// (columns key and value, both text): json_each on SQLite,
// json_each_text on PostgreSQL. Give it an alias.
func (d Dialect) JSONPairs() string {
	if d == Postgres {
		return "json_each_text(?::json)"
	}
	return "json_each(?)"
}

// JSONRows is a table named alias of the elements of the JSON array bound
// to its ?, with their position: column value (read a field with
// `alias.value ->> 'key'`) and column key, the index to order by.
func (d Dialect) JSONRows(alias string) string {
	if d == Postgres {
		return "json_array_elements(?::json) WITH ORDINALITY AS " + alias + "(value, key)"
	}
	return "json_each(?) AS " + alias
}

// numbered binds the one ? of a Dialect's table expression to the numbered
// parameter ?n, for statements that name their parameters by number.
func numbered(expr string, n int) string {
	return strings.Replace(expr, "?", "?"+strconv.Itoa(n), 1)
}

// JSONField is the text of field key of the JSON object in the text
// column col.
func (d Dialect) JSONField(col, key string) string {
	if d == Postgres {
		return "(" + col + "::json ->> '" + key + "')"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// Unindexed is col in a condition that must not choose the index: SQLite's
// planner takes a unary + as "do not look up by this column" (a status
// every claimed row shares, when the rows are found by id); PostgreSQL's
// planner costs that itself.
func (d Dialect) Unindexed(col string) string {
	if d == Postgres {
		return col
	}
	return "+" + col
}

// InStrings is the condition "col is one of the strings bound to its ?";
// bind Strings(v). PostgreSQL gets `col = ANY(?::text[])`, which its
// planner matches against an index (a composite one too); a semi-join on
// json_array_elements_text is costed as 100 rows and scanned instead
// (CancelReminders: 5.7 ms against 0.2 ms over 30,000 outbox rows).
func (d Dialect) InStrings(col string) string {
	if d == Postgres {
		return col + " = ANY(?::text[])"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// Strings is v as the parameter of InStrings: a text[] on PostgreSQL, a
// JSON array on SQLite.
func (d Dialect) Strings(v []string) any {
	if d == Postgres {
		if v == nil {
			v = []string{}
		}
		return v
	}
	return JSON(v)
}
