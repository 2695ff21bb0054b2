package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kabinet/kabinet"
)

// jsonPOST is the POST transport. It answers as the GraphQL-over-HTTP
// specification asks, in application/json or (when the client prefers it)
// application/graphql-response+json:
//   - a body that is not a JSON request object: 400;
//   - a request that fails before execution (parse, validation, variable
//     coercion, a document limit): no "data" entry; 200 in
//     application/json, 400 in application/graphql-response+json;
//   - an executed request: 200, with "data".
//
// It writes a response's data as the executor built it instead of through
// json.Marshal, which re-validates and compacts every byte of it: for a
// first sync (240 kB of JSON) that was a quarter of the request. The bytes
// on the wire are the same: the executor writes compact JSON, and
// json.HTMLEscape escapes <, >, &, U+2028 and U+2029 as json.Marshal does.
type jsonPOST struct{}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Supports reports a JSON POST (transportGuard refuses other bodies).
func (jsonPOST) Supports(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && err == nil && mt == mediaJSON && r.Header.Get("Upgrade") == ""
}

// Do runs one POST request.
func (jsonPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(w, r)
	if !ok {
		return
	}
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		refuse(w, http.StatusBadRequest, "could not read the request body")
		return
	}
	params := &graphql.RawParams{}
	if !decodeParamsFast(body, params) {
		*params = graphql.RawParams{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		// The body is never quoted back: it may carry passwords and codes.
		if err := dec.Decode(params); err != nil || dec.More() {
			refuse(w, http.StatusBadRequest, "the request body is not a JSON object of query, operationName, variables and extensions")
			return
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, media)
}

// negotiate is the media type of the answer; it refuses (406) a request
// that accepts neither GraphQL JSON type.
func negotiate(w http.ResponseWriter, r *http.Request) (string, bool) {
	media, ok := responseMedia(r.Header.Get("Accept"))
	if !ok {
		refuse(w, http.StatusNotAcceptable, "/graphql answers in "+mediaJSON+" or "+mediaGraphQLResponse)
	}
	return media, ok
}

// responseMedia is the media type of the answer to a request with this
// Accept header: the first of the two GraphQL JSON types it names, JSON for
// none or a wildcard, and ok false when it accepts neither.
func responseMedia(accept string) (media string, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || params["q"] == "0" {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON, true
		case mediaGraphQLResponse:
			return mediaGraphQLResponse, true
		}
	}
	return "", false
}

// execute runs a decoded request and writes the answer; the GET transport
// shares it. GET serves queries only: a mutation (sent as text or found by
// its persisted hash) is refused before it runs.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, media string) {
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		refuse(w, http.StatusBadRequest, "the request has no query")
		return
	}
	ctx := r.Context()
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr == nil && r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		refuse(w, http.StatusMethodNotAllowed, "GET serves queries only; send "+string(rc.Operation.Operation)+"s with POST")
		return
	}
	w.Header().Set("Content-Type", media)
	if opErr != nil {
		if media == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil { // the client went away
		return
	}
	if len(resp.Data) == 0 && media == mediaGraphQLResponse {
		w.WriteHeader(http.StatusBadRequest)
	}
	writeResponse(w, resp)
}

// maxRequestErrors bounds the errors of a request that did not run: each
// names a part of the client's document, and thousands of them would make
// a small request a large answer.
const maxRequestErrors = 20

// writeResponse writes what json.Marshal writes for resp.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Data) == 0 && resp.Label == "" && resp.Path == nil && resp.HasNext == nil {
		writeRequestErrors(w, resp)
		return
	}
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

// writeRequestErrors writes the answer to a request that did not run:
// errors (at most maxRequestErrors) and no "data" entry, as the GraphQL
// specification asks.
func writeRequestErrors(w io.Writer, resp *graphql.Response) {
	errs := resp.Errors
	if len(errs) > maxRequestErrors {
		more := &gqlerror.Error{Message: fmt.Sprintf("%d more errors not shown", len(errs)-maxRequestErrors+1),
			Extensions: map[string]any{"code": kabinet.EBADINPUT}}
		errs = append(errs[:maxRequestErrors-1:maxRequestErrors-1], more)
	}
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{errs, resp.Extensions})
	if err != nil {
		panic("unable to marshal errors: " + err.Error())
	}
	w.Write(b)
}

// writeMarshalled writes resp as transport.POST does.
func writeMarshalled(w io.Writer, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		panic("unable to marshal " + string(resp.Data) + ": " + err.Error())
	}
	w.Write(b)
}
