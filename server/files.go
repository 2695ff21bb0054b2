package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet"
)

// CertificatePath is where certificate PDFs are served:
// GET CertificatePath/{id}/{token} with the employee's Authorization header
// (requests.Certificates.FileURL issues the path, Download checks it).
const CertificatePath = "/files/certificates/"

// CertificateFunc returns the PDF of certificate request id to the caller a
// who followed a link with token: a file name for Content-Disposition and
// the bytes, or a *kabinet.Error.
type CertificateFunc func(ctx context.Context, a *kabinet.Actor, id, token string) (name string, content []byte, err error)

// serveCertificate answers GET /files/certificates/{id}/{token}: the PDF as
// an attachment, never cached; a refusal in the GraphQL error shape with
// the HTTP status of its code.
func (s *Server) serveCertificate(w http.ResponseWriter, r *http.Request) {
	id, token, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, CertificatePath), "/")
	if !ok || id == "" || token == "" || strings.Contains(token, "/") {
		fileError(w, kabinet.Errorf(kabinet.ENOTFOUND, "no such file"))
		return
	}
	ctx := r.Context()
	a := kabinet.ActorFrom(ctx)
	name, content, err := s.cfg.Certificate(ctx, a, id, token)
	if err != nil {
		if kabinet.ErrorCode(err) == kabinet.EINTERNAL {
			s.cfg.Logger.ErrorContext(ctx, "certificate download", "request_id", a.RequestID, "err", err)
		}
		fileError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(content)
}

// fileError answers a refused download.
func fileError(w http.ResponseWriter, err error) {
	code := kabinet.ErrorCode(err)
	status := map[string]int{kabinet.EUNAUTHENTICATED: http.StatusUnauthorized, kabinet.EFORBIDDEN: http.StatusForbidden,
		kabinet.ENOTFOUND: http.StatusNotFound, kabinet.EBADINPUT: http.StatusBadRequest}[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": kabinet.ErrorMessage(err), "extensions": map[string]any{"code": code}}}})
}
