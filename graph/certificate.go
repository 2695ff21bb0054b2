package graph

import (
	"io"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kabinet/kabinet"
)

// readUpload reads an uploaded file, nil when none was sent. It reads one
// byte more than a certificate may have, so that the service can refuse a
// larger one without this reading all of it.
func readUpload(u *graphql.Upload) ([]byte, error) {
	if u == nil || u.File == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(u.File, kabinet.MaxCertificateFile+1))
	if err != nil {
		return nil, kabinet.Errorf(kabinet.EBADINPUT, "could not read the uploaded file")
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
