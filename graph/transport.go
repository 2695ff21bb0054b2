package graph

import (
	"encoding/json"
	"mime"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/kabinet/kabinet"
)

// transportGuard answers, in the GraphQL error shape with extensions.code,
// the requests that gqlgen's transports would refuse with a bare message:
// an unsupported method or content type, a mutation over GET, and GET
// variables or extensions that are not JSON objects.
func transportGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				refuse(w, http.StatusUnsupportedMediaType, "POST /graphql takes Content-Type: application/json")
				return
			}
		case http.MethodGet:
			q := r.URL.Query()
			for _, name := range []string{"variables", "extensions"} {
				if v := q.Get(name); v != "" {
					var m map[string]any
					if json.Unmarshal([]byte(v), &m) != nil {
						refuse(w, http.StatusBadRequest, name+" must be a JSON object")
						return
					}
				}
			}
			if doc, err := parser.ParseQuery(&ast.Source{Input: q.Get("query")}); err == nil {
				for _, op := range doc.Operations {
					if op.Operation != ast.Query {
						w.Header().Set("Allow", "POST")
						refuse(w, http.StatusMethodNotAllowed, "GET serves queries only; send "+string(op.Operation)+"s with POST")
						return
					}
				}
			}
		case http.MethodOptions:
		default:
			w.Header().Set("Allow", "GET, POST")
			refuse(w, http.StatusMethodNotAllowed, "/graphql takes GET and POST")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": kabinet.EBADINPUT}}}})
}
