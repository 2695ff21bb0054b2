package storecodec

// ParseLines exposes DecodeLines' fast path to the tests.
var ParseLines = parseLines
