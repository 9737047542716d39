#!/usr/bin/env bash
# The benchmark: builds ai-mem in release mode, generates a realistic store of N
# observations (default 100000), and measures snapshot export, merge into an
# empty store, the idempotent re-merge, verify, plain export and import, and
# search latency, each as a user runs it (one process per command), beside the
# peer pipeline `sqlite3 .mode json | age | minisign` on the same data.
# The last line is machine-readable.
#
#   scripts/bench.sh [N] [-- extra ai-mem-bench options: --runs R --queries Q --work DIR --keep --no-peer]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-100000}"
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

# The peer pipeline's tools (Debian packages); installed when running as root.
if ! command -v age >/dev/null || ! command -v minisign >/dev/null || ! command -v sqlite3 >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing sqlite3 age minisign for the peer pipeline" >&2
    apt-get install -y sqlite3 age minisign >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y sqlite3 age minisign >/dev/null) || true
  fi
fi

# The release build of the README (Swift runtime linked in: a command starts in ~4 ms instead of ~12).
echo "bench: swift build -c release --static-swift-stdlib --product ai-mem (and ai-mem-bench)" >&2
swift build -c release --static-swift-stdlib --product ai-mem >&2
swift build -c release --static-swift-stdlib --product ai-mem-bench >&2
exec .build/release/ai-mem-bench --count "$count" --ai-mem .build/release/ai-mem "$@"
