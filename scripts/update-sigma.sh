#!/bin/sh
# Refresh the graph renderer bundled in kg/view/static/ (the page works offline from file://,
# so nothing loads from a CDN): sigma.js (WebGL renderer) and graphology (its graph model),
# both MIT, as the minified UMD builds their npm packages ship, with their licence files.
#   sh scripts/update-sigma.sh                 # the versions below
#   SIGMA=3.0.3 GRAPHOLOGY=0.25.4 sh scripts/update-sigma.sh
# Needs npm (it only runs `npm pack`, which downloads the package tarballs from the registry).
set -eu
SIGMA=${SIGMA:-3.0.3}
GRAPHOLOGY=${GRAPHOLOGY:-0.25.4}
HERE=$(cd "$(dirname "$0")/.." && pwd)
STATIC="$HERE/kg/view/static"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
npm pack --silent "sigma@$SIGMA" "graphology@$GRAPHOLOGY" >/dev/null
mkdir sigma graphology
tar xzf "sigma-$SIGMA.tgz" -C sigma --strip-components=1
tar xzf "graphology-$GRAPHOLOGY.tgz" -C graphology --strip-components=1
cp sigma/dist/sigma.min.js "$STATIC/sigma.min.js"
cp sigma/LICENSE.txt "$STATIC/LICENSE-sigma.txt"
cp graphology/dist/graphology.umd.min.js "$STATIC/graphology.umd.min.js"
cp graphology/LICENSE.txt "$STATIC/LICENSE-graphology.txt"
cat > "$STATIC/VENDOR.md" <<NOTE
# Bundled front-end libraries

Written by scripts/update-sigma.sh; do not edit by hand.

| file | package | version | licence | from |
|---|---|---|---|---|
| sigma.min.js | sigma (https://www.sigmajs.org) | $SIGMA | MIT, LICENSE-sigma.txt | npm package sigma@$SIGMA, dist/sigma.min.js |
| graphology.umd.min.js | graphology (https://graphology.github.io) | $GRAPHOLOGY | MIT, LICENSE-graphology.txt | npm package graphology@$GRAPHOLOGY, dist/graphology.umd.min.js |

sha256:

\`\`\`
$(cd "$STATIC" && sha256sum sigma.min.js graphology.umd.min.js)
\`\`\`
NOTE
echo "sigma $SIGMA and graphology $GRAPHOLOGY written to $STATIC"
