package kabinet

import _ "embed"

// SchemaSDL is schema.graphqls, the GraphQL schema clients are written
// against, with a description on every type and field. The server serves it
// at /schema.graphql; gqlgen generates graph/ from the same file.
//
//go:embed schema.graphqls
var SchemaSDL string
