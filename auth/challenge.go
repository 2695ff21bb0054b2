package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/kabinet/kabinet"
)

// Quick-login challenges are signed, not stored.
//
// quickLoginChallenge is anonymous: anyone may ask for any install id, as
// often as they like. A stored challenge made each request a database write
// and let a flood for one install id push out that install's pending
// challenge. A challenge here is 32 bytes:
//
//	nonce (12 random bytes) ‖ expiry (4 bytes, Unix seconds) ‖ MAC (16 bytes)
//
// where MAC is HMAC-SHA256(ChallengeKey, install id ‖ nonce ‖ expiry),
// truncated to 128 bits. Issuing one writes nothing, so a flood costs the
// server what any small request costs and has nothing to evict; every
// instance sharing the key (derived from KABINET_SECRET or the database's
// secret) accepts the others' challenges. Single use is kept at spending:
// quickLogin records the challenge's hash as spent until it expires (a
// second use is refused), and that write happens only for a challenge that
// verifies — which only the server could have made, for that install, in
// the last minute.
//
// Issuing is still refused (RATE_LIMITED) to an address that has failed
// too many quick logins (a read of its counter): a client that cannot sign
// in gets nothing to try with.
const (
	challengeBytes = 32
	nonceBytes     = 12
	macBytes       = 16
)

func (s *Service) challengeMAC(clientID string, body []byte) []byte {
	m := hmac.New(sha256.New, s.ChallengeKey)
	var n [2]byte
	binary.BigEndian.PutUint16(n[:], uint16(len(clientID)))
	m.Write(n[:])
	m.Write([]byte(clientID))
	m.Write(body)
	return m.Sum(nil)[:macBytes]
}

// newChallenge makes a challenge for an install, valid until exp.
func (s *Service) newChallenge(clientID string, exp time.Time) []byte {
	b := make([]byte, challengeBytes)
	if _, err := rand.Read(b[:nonceBytes]); err != nil {
		panic(err) // crypto/rand never fails on supported systems
	}
	binary.BigEndian.PutUint32(b[nonceBytes:], uint32(exp.Unix()))
	copy(b[nonceBytes+4:], s.challengeMAC(clientID, b[:nonceBytes+4]))
	return b
}

// openChallenge checks that b is a challenge this server issued to clientID
// and returns its expiry; UNAUTHENTICATED otherwise.
func (s *Service) openChallenge(clientID string, b []byte) (time.Time, error) {
	if len(b) != challengeBytes || !hmac.Equal(b[nonceBytes+4:], s.challengeMAC(clientID, b[:nonceBytes+4])) {
		return time.Time{}, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the challenge was not issued to this device; request a new one")
	}
	return time.Unix(int64(binary.BigEndian.Uint32(b[nonceBytes:])), 0).UTC(), nil
}

// spendChallenge checks a challenge and records it as used.
func (s *Service) spendChallenge(ctx context.Context, clientID string, b []byte) error {
	exp, err := s.openChallenge(clientID, b)
	if err != nil {
		return err
	}
	if !s.Clock.Now().Before(exp) {
		return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the challenge has expired; request a new one")
	}
	err = s.QuickLogins.SpendChallenge(ctx, hashBytes(b), exp)
	if kabinet.ErrorCode(err) == kabinet.ECONFLICT {
		return kabinet.Errorf(kabinet.EUNAUTHENTICATED, "the challenge was already used; request a new one")
	}
	return err
}

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func encodeChallenge(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
