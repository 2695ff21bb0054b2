package graph

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"

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
			if err != nil || mt != mediaJSON {
				refuse(w, http.StatusUnsupportedMediaType, "POST /graphql takes Content-Type: application/json")
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
