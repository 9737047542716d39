#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with ASan and runs one.
# Usage: scripts/fuzz.sh snapshot|keys [seconds] [extra libFuzzer flags…]
# New corpus entries go to .fuzz-corpus/<target>/ (ignored by git); the committed
# seed corpus in Fuzz/corpus/<target>/ is read, never written. Crashes are written
# to .fuzz-artifacts/ — turn each into a test vector and a fix.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-snapshot}"; seconds="${2:-60}"; shift $(( $# > 2 ? 2 : $# )) || true
case "$target" in
  snapshot) product=FuzzSnapshotReader ;;
  keys) product=FuzzKeyParsers ;;
  *) echo "usage: scripts/fuzz.sh snapshot|keys [seconds]" >&2; exit 2 ;;
esac
swift build -c release --package-path Fuzz --product "$product" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
bin="$(swift build -c release --package-path Fuzz --show-bin-path)/$product"
mkdir -p ".fuzz-corpus/$target" .fuzz-artifacts
exec "$bin" ".fuzz-corpus/$target" "Fuzz/corpus/$target" -max_total_time="$seconds" -rss_limit_mb=4096 \
  -max_len=262144 -artifact_prefix=.fuzz-artifacts/ -print_final_stats=1 "$@"
