package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// jsonPOST is gqlgen's POST transport, except that it writes a response's
// data as the executor built it instead of through json.Marshal, which
// re-validates and compacts every byte of it: for a first sync (240 kB of
// JSON) that was a quarter of the request. The bytes on the wire are the
// same: the executor writes compact JSON, and json.HTMLEscape escapes <, >,
// &, U+2028 and U+2029 as json.Marshal does. Requests answered in another
// content type (Accept: application/graphql-response+json), responses with
// more than errors and data, and bodies that are not a JSON object are left
// to transport.POST.
type jsonPOST struct {
	transport.POST
}

// Do runs one POST request.
func (t jsonPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !acceptsJSON(r.Header.Get("Accept")) {
		t.POST.Do(w, r, exec)
		return
	}
	ctx := r.Context()
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.Header().Add("Content-Type", "application/json")
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	params := &graphql.RawParams{}
	if !decodeParamsFast(body, params) {
		*params = graphql.RawParams{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(params); err != nil {
			r.Body = io.NopCloser(bytes.NewReader(body)) // transport.POST words the error
			t.POST.Do(w, r, exec)
			return
		}
	}
	w.Header().Add("Content-Type", "application/json")
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// acceptsJSON reports whether transport.POST would answer in
// application/json.
func acceptsJSON(accept string) bool {
	if accept == "" {
		return true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", "application/json":
			return true
		case "application/graphql-response+json":
			return false
		}
	}
	return false
}

// writeResponse writes what json.Marshal writes for resp.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil || len(resp.Extensions) > 0 || len(resp.Data) == 0 {
		writeMarshalled(w, resp)
		return
	}
	head := []byte("{")
	if len(resp.Errors) > 0 {
		errs, err := json.Marshal(resp.Errors)
		if err != nil {
			writeMarshalled(w, resp)
			return
		}
		head = append(append(append(head, `"errors":`...), errs...), ',')
	}
	w.Write(append(head, `"data":`...))
	if needsHTMLEscape(resp.Data) {
		var b bytes.Buffer
		json.HTMLEscape(&b, resp.Data)
		w.Write(b.Bytes())
	} else {
		w.Write(resp.Data) // most responses: no copy
	}
	io.WriteString(w, "}")
}

// needsHTMLEscape reports whether data has a character json.HTMLEscape
// changes: <, >, & or U+2028, U+2029 (E2 80 A8, E2 80 A9 in UTF-8).
func needsHTMLEscape(data []byte) bool {
	if bytes.IndexAny(data, "<>&") >= 0 {
		return true
	}
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], 0xE2)
		if j < 0 {
			return false
		}
		i += j + 1
		if i+1 < len(data) && data[i] == 0x80 && (data[i+1] == 0xA8 || data[i+1] == 0xA9) {
			return true
		}
	}
}

// writeMarshalled writes resp as transport.POST does.
func writeMarshalled(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic("unable to marshal " + string(resp.Data) + ": " + err.Error())
	}
	w.Write(b)
}
