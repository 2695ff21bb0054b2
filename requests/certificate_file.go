package requests

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/kabinet/kabinet"
)

// Download links (docs/product.md §Certificate requests). A PDF is fetched
// with GET FilePath/{id}/{token}, where the token is signed by the server,
// names the organisation, request and employee, and expires LinkTTL after
// it was issued; and the request must carry that employee's access token
// in its Authorization header. Both, because each covers what the other
// cannot: the header says who is asking (a link copied out of the app, a
// proxy's log or a share sheet is useless to anyone else, and it is never
// a bearer credential in a URL), and the signed path makes the link itself
// short-lived, so an old one stops working even for its owner, who asks
// for a fresh one (certificateRequest(id) { fileUrl }) and keeps the PDF
// offline instead.

// FilePath is where certificate PDFs are served, relative to the API's
// base URL.
const FilePath = "/files/certificates"

// DefaultLinkTTL is how long a download link works when LinkTTL is zero.
const DefaultLinkTTL = 10 * time.Minute

// linkMAC is the length of a link's truncated HMAC-SHA256, in bytes.
const linkMAC = 16

func (c *Certificates) ttl() time.Duration {
	if c.LinkTTL > 0 {
		return c.LinkTTL
	}
	return DefaultLinkTTL
}

func (c *Certificates) linkMAC(orgID, id, employeeID string, exp int64) []byte {
	m := hmac.New(sha256.New, c.LinkKey)
	m.Write([]byte("kabinet certificate file v1\x00" + orgID + "\x00" + id + "\x00" + employeeID + "\x00" + strconv.FormatInt(exp, 10)))
	return m.Sum(nil)[:linkMAC]
}

// FileURL is the download path of the request's PDF for employeeID, valid
// for LinkTTL from now; "" when no PDF is attached or the request is not
// that employee's.
func (c *Certificates) FileURL(r *kabinet.CertificateRequest, employeeID string) string {
	if r.Status != kabinet.CertificateReady || !r.HasFile() || r.EmployeeID != employeeID || employeeID == "" {
		return ""
	}
	exp := c.Clock.Now().Add(c.ttl()).Unix()
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+linkMAC), uint64(exp))
	b = append(b, c.linkMAC(r.OrgID, r.ID, employeeID, exp)...)
	return FilePath + "/" + r.ID + "/" + base64.RawURLEncoding.EncodeToString(b)
}

// CertificateFile is a PDF to hand to its employee.
type CertificateFile struct {
	Name    string // for Content-Disposition, ASCII
	Content []byte
	SHA256  string
}

// Download returns the PDF of request id to the caller a, who followed a
// link with token. UNAUTHENTICATED without an access token; FORBIDDEN for a
// caller who is not an employee, a link that is malformed, forged, another
// employee's or expired; NOT_FOUND for a request that is not the caller's
// or has no PDF.
func (c *Certificates) Download(ctx context.Context, a *kabinet.Actor, id, token string) (*CertificateFile, error) {
	switch a.Role {
	case kabinet.RoleAnonymous:
		return nil, kabinet.Errorf(kabinet.EUNAUTHENTICATED, "downloading a certificate needs your access token: send Authorization: Bearer <token>")
	case kabinet.RoleEmployee:
	default:
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "a certificate is downloaded by its employee")
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 8+linkMAC {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "this download link is not valid")
	}
	exp := int64(binary.BigEndian.Uint64(b[:8]))
	if !hmac.Equal(b[8:], c.linkMAC(a.OrgID, id, a.EmployeeID, exp)) {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "this download link is not valid for you")
	}
	if c.Clock.Now().Unix() >= exp {
		return nil, kabinet.Errorf(kabinet.EFORBIDDEN, "this download link has expired: ask for a fresh one (certificateRequest(id) { fileUrl })")
	}
	r, content, err := c.Store.CertificateFile(ctx, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if r.EmployeeID != a.EmployeeID {
		return nil, kabinet.Errorf(kabinet.ENOTFOUND, "no certificate request %q of yours", id)
	}
	return &CertificateFile{Name: "certificate-" + r.KindCode + "-" + r.ID + ".pdf", Content: content, SHA256: r.FileSHA256}, nil
}
