package requests_test

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/kabinet/kabinet"
	"github.com/kabinet/kabinet/requests"
)

// pdf makes a real one-page PDF with the text, as HR's software would.
func pdf(t testing.TB, text string) []byte {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 14)
	doc.Cell(40, 10, text)
	var b bytes.Buffer
	if err := doc.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckPDF(t *testing.T) {
	good := pdf(t, "Certificate of employment")
	big := append([]byte("%PDF-1.4\n"), make([]byte, kabinet.MaxCertificateFile)...)
	for _, tt := range []struct {
		name string
		file []byte
		ok   bool
	}{
		{"OK", good, true},
		{"OKTrailingNewlines", append(append([]byte{}, good...), "\r\n\r\n"...), true},
		{"ErrEmpty", []byte{}, false},
		{"ErrTooLarge", big, false},
		{"ErrPNG", append([]byte("\x89PNG\r\n\x1a\n"), good...), false},
		{"ErrHTML", []byte("<html><body>%PDF-1.4</body></html>"), false},
		{"ErrHeaderOnly", []byte("%PDF-1.4\nnot really\n%%EOF\n"), false},
		{"ErrCutShort", good[:len(good)-200], false},
		{"ErrXrefOutside", append(append([]byte{}, good[:len(good)-40]...), "\nstartxref\n999999999\n%%EOF\n"...), false},
		{"ErrXrefAtNothing", append(append([]byte{}, good...), "\nstartxref\n10\n%%EOF\n"...), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := requests.CheckPDF(tt.file)
			if tt.ok && err != nil {
				t.Fatalf("got %v, want a valid PDF", err)
			}
			if !tt.ok && kabinet.ErrorCode(err) != kabinet.EBADINPUT {
				t.Fatalf("got %v, want BAD_USER_INPUT", err)
			}
		})
	}
}
