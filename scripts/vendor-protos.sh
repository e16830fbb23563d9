#!/usr/bin/env bash
# Refreshes third_party/proto from pinned versions. The Buf Schema Registry is not
# reachable from our build machines, so third-party .proto files come from the Go
# module cache (protovalidate, grpc-gateway) and npm (googleapis).
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOVALIDATE_VERSION=v1.2.2
GATEWAY_VERSION=v2.33.0
dest=third_party/proto

moddir() { GOWORK=off GOFLAGS=-mod=mod go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p'; }

pv=$(moddir "github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION}")
gw=$(moddir "github.com/grpc-ecosystem/grpc-gateway/v2@${GATEWAY_VERSION}")
GOOGLE_PROTO_FILES_VERSION=6.0.1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "google-proto-files@${GOOGLE_PROTO_FILES_VERSION}" >/dev/null && tar xzf google-proto-files-*.tgz)
gp=$tmp/package

rm -rf "$dest"
mkdir -p "$dest/protovalidate/buf/validate" "$dest/grpc-gateway/protoc-gen-openapiv2/options" "$dest/googleapis/google/api" \
	"$dest/googleapis/google/longrunning" "$dest/googleapis/google/rpc"

install -m 0644 "$pv/proto/protovalidate/buf/validate/validate.proto" "$dest/protovalidate/buf/validate/"
install -m 0644 "$pv/LICENSE" "$dest/protovalidate/LICENSE"

install -m 0644 "$gw"/protoc-gen-openapiv2/options/{annotations,openapiv2}.proto "$dest/grpc-gateway/protoc-gen-openapiv2/options/"
install -m 0644 "$gw/LICENSE" "$dest/grpc-gateway/LICENSE"

install -m 0644 "$gp"/google/api/{annotations,client,http,httpbody,field_behavior,launch_stage,resource}.proto "$dest/googleapis/google/api/"
# Long-running operations (AIP-151) and the google.rpc.Status they end in.
install -m 0644 "$gp/google/longrunning/operations.proto" "$dest/googleapis/google/longrunning/"
install -m 0644 "$gp/google/rpc/status.proto" "$dest/googleapis/google/rpc/"
install -m 0644 "$gp/LICENSE" "$dest/googleapis/LICENSE"

cat > "$dest/README.md" <<MD
# Third-party protobuf definitions (vendored)

Not Steward's code. Copied verbatim by \`scripts/vendor-protos.sh\`, each folder with its upstream licence:

| folder | source | version |
|---|---|---|
| protovalidate | Go module github.com/bufbuild/protovalidate | ${PROTOVALIDATE_VERSION} |
| grpc-gateway | Go module github.com/grpc-ecosystem/grpc-gateway/v2 | ${GATEWAY_VERSION} |
| googleapis | npm package google-proto-files | ${GOOGLE_PROTO_FILES_VERSION} |
MD
