#!/usr/bin/env bash
# Screenshots the gateway's /docs page in headless Chromium, to check what a
# frontend developer sees: the operations under their real paths
# (/v1/tenants/{tenant}/homes/{home}/...), each with its description.
#
#   scripts/docs-screenshot.sh [out.png]     (default /tmp/steward-docs.png)
#
# Needs Debian's chromium (apt-get install chromium). The gateway listens on a
# free port and serves gen/openapi/steward.swagger.json; /docs calls no
# backend, so none needs to run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/steward-docs.png}
work=$(mktemp -d)
trap 'kill "${gw:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
go build -o "$work/steward-gateway" ./services/gateway/cmd/steward-gateway
GATEWAY_ADDR=127.0.0.1:0 GATEWAY_OPENAPI=gen/openapi/steward.swagger.json "$work/steward-gateway" 2>"$work/gateway.log" &
gw=$!
addr=
for _ in $(seq 100); do
  addr=$(sed -nE 's/.*"msg":"steward-gateway listening","addr":"([^"]+)".*/\1/p' "$work/gateway.log")
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$work/gateway.log" >&2; echo "the gateway did not start" >&2; exit 1; }

chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$work/profile" --hide-scrollbars \
  --window-size=1280,5000 --virtual-time-budget=10000 --screenshot="$out" "http://$addr/docs" 2>"$work/chromium.log" ||
  { cat "$work/chromium.log" >&2; exit 1; }
echo "screenshot of http://$addr/docs: $out"
