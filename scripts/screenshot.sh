#!/usr/bin/env bash
# Screenshot a generated results page with headless Chromium, to check that it reads
# well offline (file://, no server). Needs the Debian package `chromium`; without it
# this prints a note and exits 0, so CI does not depend on it.
#
#   scripts/screenshot.sh [PAGE] [PNG]
#   scripts/screenshot.sh docs/results/quickstart/index.html /tmp/quickstart.png
set -euo pipefail
page="${1:-docs/results/quickstart/index.html}"
png="${2:-${TMPDIR:-/tmp}/baldwin-page.png}"
if ! command -v chromium >/dev/null; then
  echo "chromium is not installed (apt-get install chromium); no screenshot taken" >&2
  exit 0
fi
if [ ! -f "$page" ]; then
  echo "no such page: $page" >&2
  exit 1
fi
url="file://$(realpath "$page")"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1200,2400 --screenshot="$png" "$url" 2>/dev/null
if [ ! -s "$png" ]; then
  echo "chromium wrote no screenshot of $url" >&2
  exit 1
fi
echo "$png"
