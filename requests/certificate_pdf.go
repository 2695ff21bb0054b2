package requests

import (
	"bytes"
	"regexp"
	"strconv"

	"github.com/kabinet/kabinet"
)

// pdfTail is how far from the end a PDF's "startxref … %%EOF" may be
// (readers look in the last kilobyte).
const pdfTail = 1024

var (
	pdfHeader    = regexp.MustCompile(`^%PDF-[12]\.[0-9]`)
	pdfStartXref = regexp.MustCompile(`startxref\s+([0-9]{1,10})\s+%%EOF`)
	// At startxref's offset: a cross-reference table, or the object of a
	// cross-reference stream ("12 0 obj").
	pdfXref = regexp.MustCompile(`^(xref\s|[0-9]+\s+[0-9]+\s+obj\b)`)
)

// CheckPDF reports whether file is a PDF the store may keep, as a reader
// would first open it: at most kabinet.MaxCertificateFile bytes; the
// "%PDF-1.x" (or 2.x) header at its start; in its last kilobyte, the last
// "startxref N %%EOF" with N inside the file; and at N, a cross-reference
// table or stream. It does not render pages: a file that passes may still
// be damaged inside, but a renamed image, office document or HTML page
// does not pass. BAD_USER_INPUT saying what is wrong.
func CheckPDF(file []byte) error {
	switch {
	case len(file) == 0:
		return kabinet.Errorf(kabinet.EBADINPUT, "the file is empty: attach the certificate's PDF")
	case len(file) > kabinet.MaxCertificateFile:
		return kabinet.Errorf(kabinet.EBADINPUT, "the file is too large: a certificate is at most %d bytes (5 MiB)", kabinet.MaxCertificateFile)
	case !pdfHeader.Match(file):
		return kabinet.Errorf(kabinet.EBADINPUT, "the file is not a PDF: it does not start with %%PDF-")
	}
	tail := file[max(0, len(file)-pdfTail):]
	ms := pdfStartXref.FindAllSubmatch(tail, -1)
	if len(ms) == 0 {
		return kabinet.Errorf(kabinet.EBADINPUT, "the file is not a complete PDF: no startxref and %%%%EOF at its end (cut short?)")
	}
	off, err := strconv.Atoi(string(ms[len(ms)-1][1]))
	if err != nil || off <= 0 || off >= len(file) || !pdfXref.Match(bytes.TrimLeft(file[off:min(len(file), off+64)], " \r\n\t")) {
		return kabinet.Errorf(kabinet.EBADINPUT, "the file is not a readable PDF: its startxref does not point at a cross-reference table")
	}
	return nil
}
