#!/usr/bin/env bash
# Refresh the front-end files vendored from the npm registry (no JavaScript build step).
# Usage: scripts/vendor.sh   (needs npm; the files are committed, so users never run this)
set -euo pipefail
HTMX_VERSION=2.0.11
dest="$(cd "$(dirname "$0")/.." && pwd)/src/kintsugi/web/static/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null && tar xzf htmx.org-*.tgz)
cp "$work/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/package/LICENSE" "$dest/htmx.LICENSE"
sha=$(sha256sum "$dest/htmx.min.js" | cut -d' ' -f1)
printf 'htmx.org %s sha256:%s (npm registry)\n' "$HTMX_VERSION" "$sha" > "$dest/VERSIONS"
echo "vendored htmx.org ${HTMX_VERSION}"
