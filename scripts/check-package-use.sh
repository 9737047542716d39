#!/usr/bin/env bash
# Proves the library products can be used by another package: copies this tree
# (the files git tracks, and untracked ones it does not ignore) into a throw-away
# git repository, tags it 1.0.0, and builds a small package that depends on it by
# version through that local git URL — which SwiftPM refuses for a package with
# unsafe flags. Prints "package-use: ok" on success. Needs only git and swift.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ai-mem-package-use.XXXXXX")"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/ai-mem"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$work/ai-mem/" 2>/dev/null || true)
rm -rf "$work/ai-mem/Tests/Vectors" "$work/ai-mem/Tests/Reference"  # data the build does not need
(
    cd "$work/ai-mem"
    git init -q
    git add -A
    git -c user.name=check -c user.email=check@localhost commit -qm "snapshot for the package-use check"
    git tag 1.0.0
)

mkdir -p "$work/consumer/Sources/Consumer"
cat > "$work/consumer/Package.swift" <<MANIFEST
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/ai-mem", from: "1.0.0")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [
            .product(name: "AIMemCore", package: "ai-mem"),
            .product(name: "MemoryStore", package: "ai-mem"),
            .product(name: "SentenceEmbedding", package: "ai-mem"),
            .product(name: "Vault", package: "ai-mem"),
            .product(name: "Sodium", package: "ai-mem"),
        ]),
    ]
)
MANIFEST
cat > "$work/consumer/Sources/Consumer/main.swift" <<'SWIFT'
import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding
import Sodium
import Vault

// A store in a temporary home, a memory added and found, an identity and its key line.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("consumer-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: directory) }
let store = try MemoryStore(home: Home(explicit: directory.path), embedder: LexicalHashEmbedder())
let added = try store.add(NewObservation(content: "The consumer package links ai-mem's libraries.", project: "/consumer"))
let hits = try store.search("consumer libraries", mode: .keyword)
let identity = SecretIdentity.generate()
let line = identity.publicIdentity.keyLine
precondition(hits.first?.observation.id == added.id, "search did not find the memory")
let parsed = try PublicIdentity(keyLine: line)
precondition(parsed == identity.publicIdentity, "key line did not round-trip")
print("consumer: found \(hits.count) memory, key \(identity.publicIdentity.keyID), libsodium \(Sodium.versionString)")
SWIFT

cd "$work/consumer"
swift build --scratch-path "$work/build" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; echo "package-use: the consumer did not build"; exit 1; }
"$work/build/debug/Consumer"
echo "package-use: ok"
