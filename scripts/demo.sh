#!/usr/bin/env bash
# The main job: a short demonstration of ai-mem on a throw-away home directory.
# Run after `swift build -c release` (or set AI_MEM_BIN to another build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${AI_MEM_BIN:-$PWD/.build/release/ai-mem}"
[ -x "$bin" ] || { echo "demo: $bin not found; run 'swift build -c release' first" >&2; exit 1; }

demo_home="$(mktemp -d)"
trap 'rm -rf "$demo_home"' EXIT
export AI_MEM_HOME="$demo_home/home"
step() { printf '\n\033[1m$ ai-mem %s\033[0m\n' "$*"; "$bin" "$@"; }

echo "ai-mem demo (throw-away home: $AI_MEM_HOME)"
step add "Use PostgreSQL 16 for the orders service; SQLite stays for local dev." --project /demo/api --type decision --tag db
step add "Fixed off-by-one in pagination: page=0 returned the second page." --project /demo/api --type bugfix --tag pagination
step add "Docs build uses mdBook, not Sphinx." --project /demo/docs --tag docs
step import Tests/EndToEndTests/Fixtures/snapshot.jsonl
step search "pagination bug"
step search "which database for orders" --mode semantic --limit 3
step list --project /demo/api
step stats
echo
echo "demo finished: the throw-away home is removed."
