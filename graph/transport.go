package graph

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/kabinet/kabinet"
)

// transportGuard answers, in the GraphQL error shape with extensions.code,
// the requests that no transport takes: an unsupported method or content
// type.
func transportGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			switch {
			case err == nil && mt == mediaMultipart && r.Header.Get("Authorization") == "":
				// A browser posts multipart forms across sites without a
				// preflight; an upload must carry the key, which no form can.
				refuse(w, http.StatusBadRequest, "a multipart request (file upload) needs Authorization: Bearer <key>")
				return
			case err != nil || mt != mediaJSON && mt != mediaMultipart:
				refuse(w, http.StatusUnsupportedMediaType, "POST /graphql takes Content-Type: application/json (or multipart/form-data for file uploads)")
				return
			}
		case http.MethodGet, http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST")
			refuse(w, http.StatusMethodNotAllowed, "/graphql takes GET and POST")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mediaMultipart is the GraphQL multipart request's media type (file
// uploads: completeCertificateRequest).
const mediaMultipart = "multipart/form-data"

// multipartPOST is the GraphQL multipart request transport: the
// operations, the map and the files, held in memory (a certificate is at
// most 5 MiB; the server's body limit bounds the whole request before this
// runs). gqlgen's refusals of a malformed request (HTTP 422) get their
// extensions.code like every other error.
type multipartPOST struct{}

var multipart = transport.MultipartForm{MaxUploadSize: maxUpload, MaxMemory: maxUpload}

// Supports reports a multipart POST.
func (multipartPOST) Supports(r *http.Request) bool { return multipart.Supports(r) }

// Do runs one multipart request.
func (multipartPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	cw := &codeWriter{ResponseWriter: w}
	multipart.Do(cw, r, exec)
	cw.flush()
}

// codeWriter holds back an answer refused before execution (422) and adds
// extensions.code BAD_USER_INPUT to its errors where they have none.
type codeWriter struct {
	http.ResponseWriter
	refused bool
	body    bytes.Buffer
}

func (c *codeWriter) WriteHeader(status int) {
	c.refused = status == http.StatusUnprocessableEntity
	c.ResponseWriter.WriteHeader(status)
}

func (c *codeWriter) Write(b []byte) (int, error) {
	if c.refused {
		return c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

func (c *codeWriter) flush() {
	if !c.refused {
		return
	}
	var resp struct {
		Errors []map[string]any `json:"errors"`
	}
	if json.Unmarshal(c.body.Bytes(), &resp) != nil || len(resp.Errors) == 0 {
		resp.Errors = []map[string]any{{"message": "the multipart request is malformed"}}
	}
	for _, e := range resp.Errors {
		if _, ok := e["extensions"]; !ok {
			e["extensions"] = map[string]any{"code": kabinet.EBADINPUT}
		}
	}
	json.NewEncoder(c.ResponseWriter).Encode(resp)
}

// maxUpload bounds a multipart request: one certificate and its operation.
const maxUpload = kabinet.MaxCertificateFile + 1<<20

// jsonGET is the GET transport: query, operationName, and variables and
// extensions as JSON objects in the URL; answered as jsonPOST answers, and
// for queries only.
type jsonGET struct{}

// Supports reports a GET that is not a WebSocket upgrade.
func (jsonGET) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do runs one GET request.
func (jsonGET) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media, ok := negotiate(w, r)
	if !ok {
		return
	}
	start := graphql.Now()
	q := r.URL.Query()
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	for name, dst := range map[string]*map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		if v := q.Get(name); v != "" {
			dec := json.NewDecoder(bytes.NewReader([]byte(v)))
			dec.UseNumber()
			if dec.Decode(dst) != nil || dec.More() || *dst == nil {
				refuse(w, http.StatusBadRequest, name+" must be a JSON object")
				return
			}
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, media)
}

// refuse answers a request that no GraphQL operation was run for, in the
// GraphQL error shape.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": kabinet.EBADINPUT}}}})
}
