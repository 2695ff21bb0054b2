package postgres

// DecodeLines and ParseLines expose the stored payslip lines decoder (and
// its fast path) to the tests.
var (
	DecodeLines = decodeLines
	ParseLines  = parseLines
)
