package sqlstore

import "encoding/json"

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
