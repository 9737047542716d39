#!/usr/bin/env bash
# The main job: a short demonstration of ai-mem on throw-away home directories —
# everyday memory, then the encrypted team-sharing flow end to end.
# Run after `swift build -c release --static-swift-stdlib --product ai-mem` (or set AI_MEM_BIN to another build).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${AI_MEM_BIN:-$PWD/.build/release/ai-mem}"
[ -x "$bin" ] || { echo "demo: $bin not found; run 'swift build -c release --static-swift-stdlib --product ai-mem' first" >&2; exit 1; }

demo="$(mktemp -d)"
trap 'rm -rf "$demo"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '\033[2m$ ai-mem %s\033[0m\n' "$*"; "$bin" "$@"; }
as_alice() { run "$@" --home "$demo/alice"; }
as_bob() { run "$@" --home "$demo/bob"; }
as_carol() { run "$@" --home "$demo/carol"; }

say "1. Alice's everyday memory (throw-away homes in $demo)"
as_alice add "Use PostgreSQL 16 for the orders service; SQLite stays for local dev." --project /demo/api --type decision --tag db
as_alice add "Fixed off-by-one in pagination: page=0 returned the second page." --project /demo/api --type bugfix --tag pagination
as_alice import Tests/Fixtures/python-ai-mem/snapshot.jsonl
as_alice search "pagination bug" --limit 3
# By meaning (all-MiniLM-L6-v2 when scripts/fetch-model.sh has run): none of the words of the answer.
as_alice search "first listing screen showed the wrong results" --mode semantic --limit 2
as_alice stats
as_alice list --project /demo/api

say "2. Identities: each generates a key pair (passphrase from the environment here)"
AI_MEM_PASSPHRASE="alice demo passphrase" as_alice keys generate --name alice --kdf interactive
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob keys generate --name bob --kdf interactive
"$bin" keys show --home "$demo/alice" > "$demo/alice.pub"
"$bin" keys show --home "$demo/bob" > "$demo/bob.pub"

say "3. They exchange public keys and trust each other"
as_alice keys trust "$demo/bob.pub" --name bob
as_bob keys trust "$demo/alice.pub" --name alice

say "4. Alice exports an encrypted, signed snapshot of /demo/api for Bob"
AI_MEM_PASSPHRASE="alice demo passphrase" as_alice snapshot export "$demo/api.aimem" --to bob --project /demo/api

say "5. Bob inspects, verifies and merges it"
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot inspect "$demo/api.aimem"
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot merge "$demo/api.aimem"
as_bob search "which database for orders" --limit 2
as_bob list --author alice
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot merge "$demo/api.aimem"

say "6. A tampered copy is refused and changes nothing"
cp "$demo/api.aimem" "$demo/tampered.aimem"
size=$(stat -c %s "$demo/tampered.aimem")
printf '\x00' | dd of="$demo/tampered.aimem" bs=1 seek=$((size - 40)) conv=notrunc status=none
if AI_MEM_PASSPHRASE="bob demo passphrase" "$bin" snapshot merge "$demo/tampered.aimem" --home "$demo/bob"; then
  echo "demo: the tampered snapshot was accepted!" >&2; exit 1
fi
as_bob stats

say "7. Bob passes Alice's memories on to Carol: they arrive as Alice's"
AI_MEM_PASSPHRASE="carol demo passphrase" as_carol keys generate --name carol --kdf interactive
"$bin" keys show --home "$demo/carol" > "$demo/carol.pub"
as_bob keys trust "$demo/carol.pub" --name carol
as_carol keys trust "$demo/alice.pub" --name alice
as_carol keys trust "$demo/bob.pub" --name bob
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot export "$demo/relay.aimem" --to carol --project /demo/api
AI_MEM_PASSPHRASE="carol demo passphrase" as_carol snapshot merge "$demo/relay.aimem"
as_carol list --author alice

say "8. Alice edits one memory and deletes the other; both changes travel"
edited=$("$bin" list --project /demo/api --type decision --json --home "$demo/alice" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
deleted=$("$bin" list --project /demo/api --type bugfix --json --home "$demo/alice" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
as_alice edit "$edited" --content "Use PostgreSQL 17 for the orders service; SQLite stays for local dev."
as_alice delete "$deleted"
AI_MEM_PASSPHRASE="alice demo passphrase" as_alice snapshot export "$demo/api-2.aimem" --to bob --project /demo/api
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot merge "$demo/api-2.aimem"
AI_MEM_PASSPHRASE="bob demo passphrase" as_bob snapshot export "$demo/relay-2.aimem" --to carol --project /demo/api
AI_MEM_PASSPHRASE="carol demo passphrase" as_carol snapshot merge "$demo/relay-2.aimem"
AI_MEM_PASSPHRASE="carol demo passphrase" as_carol snapshot merge "$demo/relay.aimem"   # the older relay: already merged
as_carol list --project /demo/api
if "$bin" show "$deleted" --home "$demo/carol" >/dev/null 2>&1; then
  echo "demo: the deleted memory came back!" >&2; exit 1
fi

say "9. A backup to yourself restores everything, deletions included, into a new home"
AI_MEM_PASSPHRASE="alice demo passphrase" as_alice snapshot export "$demo/backup.aimem"
mkdir -p "$demo/restored" && chmod 700 "$demo/restored"
cp -p "$demo/alice/identity.key" "$demo/restored/"
AI_MEM_PASSPHRASE="alice demo passphrase" run snapshot merge "$demo/backup.aimem" --home "$demo/restored"
run stats --home "$demo/restored"

echo
echo "demo finished: the throw-away homes are removed."
