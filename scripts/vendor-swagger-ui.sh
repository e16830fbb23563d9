#!/usr/bin/env bash
# Refreshes services/gateway/edge/swaggerui from a pinned swagger-ui-dist. Browsers
# that use /docs cannot reach a CDN, so the gateway embeds the few files it needs.
# Only the bundle, its stylesheet, the favicons and the licence are copied; the
# page and its initializer are our own (index.html, init.js) and are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

SWAGGER_UI_VERSION=5.35.0
dest=services/gateway/edge/swaggerui

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@${SWAGGER_UI_VERSION}" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
src=$tmp/package

mkdir -p "$dest"
install -m 0644 "$src"/{swagger-ui-bundle.js,swagger-ui.css,favicon-16x16.png,favicon-32x32.png,LICENSE} "$dest/"

cat > "$dest/README.md" <<MD
# Swagger UI (vendored)

Not Steward's code except \`index.html\` and \`init.js\`. Copied verbatim by \`scripts/vendor-swagger-ui.sh\` from the npm
package [swagger-ui-dist](https://www.npmjs.com/package/swagger-ui-dist) version ${SWAGGER_UI_VERSION}
(Apache License 2.0, see \`LICENSE\`): \`swagger-ui-bundle.js\`, \`swagger-ui.css\`, \`favicon-16x16.png\`,
\`favicon-32x32.png\`, \`LICENSE\`.

The gateway embeds this folder and serves it under \`/docs/\`; to upgrade, change the pinned version in the script
and run it.
MD
