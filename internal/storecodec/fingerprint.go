package storecodec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Fingerprint is a stable hash of a record's published content. A republish
// whose fingerprint equals the stored one is not a change.
func Fingerprint(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are fingerprinted
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
