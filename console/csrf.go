package console

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/csrf"

	"github.com/kabinet/kabinet"
)

// CSRF: Fiber's middleware/csrf (maintained with Fiber, in our stack)
// checks every state-changing request with the double-submit pattern: the
// token is in a cookie and must come back in the form field _csrf or the
// X-Csrf-Token header (htmx sends the header, set once in the layout). On
// top of the library's check:
//
//   - Tokens are signed (HMAC with a key derived from the master secret)
//     and carry their issue time, so a token the server did not make is
//     refused without a token table: the library's default in-memory
//     storage would lose every token on restart and not be shared by the
//     instances of a PostgreSQL deployment. A signed token is good for
//     csrfLifetime (the absolute session lifetime).
//   - Over TLS the cookie is named __Host-…, which a sibling subdomain
//     cannot set: the double-submit pattern's weak point.
//   - The session cookie is SameSite=Strict as well.

const (
	csrfFormField = "_csrf"
	csrfLifetime  = 12 * time.Hour
	csrfLocal     = "console.csrf"
)

// signedTokens is the csrf middleware's fiber.Storage: a token "exists"
// when its signature is the server's and it is not too old. Set and
// Delete have nothing to store.
type signedTokens struct {
	key   []byte
	clock kabinet.Clock
}

func (s signedTokens) sign(body string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// generate makes a token: random.issued-ms.signature.
func (s signedTokens) generate() string {
	body := kabinet.RandomToken(16) + "." + strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	return body + "." + s.sign(body)
}

func (s signedTokens) valid(token string) bool {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || len(token) > 200 {
		return false
	}
	body, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.sign(body))) {
		return false
	}
	_, ms, _ := strings.Cut(body, ".")
	issued, err := strconv.ParseInt(ms, 10, 64)
	age := s.clock.Now().Sub(time.UnixMilli(issued))
	return err == nil && age >= -time.Minute && age < csrfLifetime
}

func (s signedTokens) Get(key string) ([]byte, error) {
	if s.valid(key) {
		return []byte{'+'}, nil
	}
	return nil, nil
}
func (signedTokens) Set(string, []byte, time.Duration) error { return nil }
func (signedTokens) Delete(string) error                     { return nil }
func (signedTokens) Reset() error                            { return nil }
func (signedTokens) Close() error                            { return nil }

// csrfExtract takes the token from the X-Csrf-Token header or the form.
func csrfExtract(c *fiber.Ctx) (string, error) {
	if t := c.Get(csrf.HeaderName); t != "" {
		return t, nil
	}
	if t := c.FormValue(csrfFormField); t != "" {
		return t, nil
	}
	return "", csrf.ErrTokenNotFound
}

// newCSRF returns the middleware for cookies marked Secure (secure) or
// not; refuse answers a refused request.
func newCSRF(tokens signedTokens, secure bool, refuse fiber.ErrorHandler) fiber.Handler {
	name := "kabinet_hr_csrf"
	if secure {
		name = "__Host-kabinet_hr_csrf"
	}
	return csrf.New(csrf.Config{
		CookieName:        name,
		CookiePath:        "/",
		CookieSecure:      secure,
		CookieHTTPOnly:    true,
		CookieSameSite:    fiber.CookieSameSiteStrictMode,
		CookieSessionOnly: true,
		Expiration:        csrfLifetime,
		Storage:           tokens,
		KeyGenerator:      tokens.generate,
		Extractor:         csrfExtract,
		ContextKey:        csrfLocal,
		ErrorHandler:      refuse,
	})
}

// csrfToken is the request's token for forms and htmx.
func (r *Request) csrfToken() string {
	s, _ := r.C.Locals(csrfLocal).(string)
	return s
}
