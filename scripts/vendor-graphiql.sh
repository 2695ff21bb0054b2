#!/usr/bin/env bash
# Fetches the GraphiQL IDE served at /graphiql from the npm registry and
# copies only the files the page loads into server/graphiql/assets/, with
# each package's LICENSE beside them. The server embeds them (go:embed):
# nothing is loaded from a CDN at run time.
#
# GraphiQL 3.x is the last line with a prebuilt UMD bundle (4.x and later
# are ES modules for a bundler); it needs React 18 and its UMD builds (React
# 19 ships none). To upgrade: change the versions, run this script, check
# /graphiql in a browser and `go test ./server/`, commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

GRAPHIQL=3.9.0
REACT=18.3.1

dst=server/graphiql/assets
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" >/dev/null)
for p in graphiql-$GRAPHIQL react-$REACT react-dom-$REACT; do
  mkdir -p "$tmp/$p" && tar -xzf "$tmp/$p.tgz" -C "$tmp/$p"
done

rm -rf "$dst" && mkdir -p "$dst"
cp "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.js" "$tmp/graphiql-$GRAPHIQL/package/graphiql.min.css" "$dst/"
cp "$tmp/graphiql-$GRAPHIQL/package/LICENSE" "$dst/LICENSE.graphiql"
cp "$tmp/react-$REACT/package/umd/react.production.min.js" "$dst/"
cp "$tmp/react-$REACT/package/LICENSE" "$dst/LICENSE.react"
cp "$tmp/react-dom-$REACT/package/umd/react-dom.production.min.js" "$dst/"
cp "$tmp/react-dom-$REACT/package/LICENSE" "$dst/LICENSE.react-dom"

{
  echo "# Vendored by scripts/vendor-graphiql.sh from the npm registry; do not edit."
  echo "# package version license sha256-of-tarball"
  for p in "graphiql $GRAPHIQL" "react $REACT" "react-dom $REACT"; do
    set -- $p
    echo "$1 $2 MIT $(sha256sum "$tmp/$1-$2.tgz" | cut -d' ' -f1)"
  done
} >"$dst/VERSIONS"
ls -l "$dst"
