import AIMemCore
import Foundation
import MemoryStore
import Testing
@testable import Vault

/// Issue 13's property: three stores, random adds, edits, deletions and exports,
/// merged in random orders (relays and replays included), converge to the same rows
/// and tombstones, and no row ever holds a version its author did not write. Each
/// party also misbehaves now and then: it sends its own rewrite of someone else's
/// memory, or claims that someone else wrote it; no store ever takes either.
struct ConvergenceTests {
    /// SplitMix64: reproducible from the seed a failure prints.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    struct Snapshot {
        var bytes: [UInt8]
        var recipients: Set<Int>
    }

    /// What every author ever wrote: (id, author) → the (content, updated_at) versions.
    typealias Versions = [String: Set<String>]

    static func key(_ o: Observation) -> String { "\(o.id) \(o.author ?? "-")" }
    static func version(_ o: Observation) -> String { "\(o.updatedAt) \(o.content)" }

    @Test(arguments: [1, 2, 3, 4, 5])
    func randomHistoriesConverge(seed: UInt64) throws {
        var random = Random(state: seed)
        let people = try ["alice", "bob", "carol"].map { try Party($0) }
        for p in people { for q in people where q !== p { try p.trust(q) } }
        var written: Versions = [:]
        /// Ids are random: each has one author, whoever added it.
        var creator: [String: String] = [:]
        var pool: [Snapshot] = []
        var clock = 0.0

        func record(_ o: Observation, by p: Party) {
            var mine = o
            mine.author = p.key.keyID
            written[Self.key(mine), default: []].insert(Self.version(mine))
        }
        /// Every row of every store is a version its author wrote.
        func checkAuthorship(_ step: Int) throws {
            for p in people {
                for o in try p.store.list(limit: nil) {
                    let author = o.author ?? p.key.keyID
                    #expect(creator[o.id] == author, "seed \(seed) step \(step): \(p.name) holds \(o.id) as \(author)'s, but \(creator[o.id] ?? "?") wrote it")
                    var attributed = o
                    attributed.author = author
                    #expect(written[Self.key(attributed)]?.contains(Self.version(o)) == true,
                            "seed \(seed) step \(step): \(p.name) holds \(o.id) as \(author)'s with a version nobody wrote")
                }
            }
        }
        func ownRows(_ p: Party) throws -> [Observation] {
            try p.store.list(limit: nil).filter { $0.author == nil || $0.author == p.key.keyID }
        }
        func export(_ p: Party, to readers: Set<Int>) throws {
            let lines = readers.map { people[$0].key.keyLine }
            pool.append(Snapshot(bytes: try p.export(to: lines, includeSelf: false), recipients: readers))
        }

        for step in 0..<70 {
            clock += 1
            let p = people[random.below(3)]
            switch random.below(10) {
            case 0, 1, 2:
                let o = try p.add("memory \(step) of \(p.name)", now: clock)
                creator[o.id] = p.key.keyID
                record(o, by: p)
            case 3:
                if let o = try ownRows(p).randomElement(using: &random) {
                    let edited = try p.store.edit(o.id, ObservationEdit(content: "edit \(step) by \(p.name)"), ownKeyIDs: [p.key.keyID],
                                                  now: Party.epoch + clock)
                    record(edited, by: p)
                }
            case 4:
                if let o = try ownRows(p).randomElement(using: &random) { try p.delete(o.id) }
            case 8 where random.below(3) == 0:
                // Misbehaviour: a rewrite of someone else's memory, as p's own or claimed as its author's.
                guard let target = try p.store.list(limit: nil).filter({ $0.author != nil && $0.author != p.key.keyID }).randomElement(using: &random),
                      let victim = people.first(where: { $0.key.keyID == target.author }) else { break }
                var rewrite = target
                rewrite.content = "rewrite \(step) by \(p.name)"
                rewrite.summary = rewrite.content
                rewrite.updatedAt = Party.epoch + clock + 1000
                rewrite.embedding = nil
                let readers = people.filter { $0 !== p }
                let reader = readers[random.below(2)]
                // As p's own, it goes to a reader that holds the memory (a reader without it
                // would take it as p's new memory under that id: squatting, SECURITY.md, which
                // is attributed to p and so changes nobody's memory, but keeps stores apart).
                let asOwn = random.below(2) == 0
                if asOwn, (try? reader.store.observation(target.id)) == nil { break }
                let line = asOwn
                    ? try AuthorshipTests.signedRecord(rewrite, by: p.identity)
                    : try AuthorshipTests.signedRecord(rewrite, by: victim.identity, signature: .some(try AuthorSignature.sign(rewrite, as: p.identity)))
                let bytes = try AuthorshipTests.payload2(signer: p.identity, recipients: [reader.key], records: [line],
                                                         sequence: try p.store.nextExportSequence(now: Date().timeIntervalSince1970))
                _ = try reader.read(bytes, mode: .merge(policy: .takeTheirs, dryRun: false))
                try checkAuthorship(step)
            case 5, 6:
                let others = Set((0..<3).filter { people[$0] !== p })
                let readers = random.below(2) == 0 ? others : [others.randomElement(using: &random)!]
                try export(p, to: readers)
            default:
                guard !pool.isEmpty else { break }
                let snapshot = pool[random.below(pool.count)]
                let reader = snapshot.recipients.randomElement(using: &random)!
                let policy: ConflictPolicy = [.newer, .keepLocal, .takeTheirs][random.below(3)]
                _ = try people[reader].read(snapshot.bytes, mode: .merge(policy: policy, dryRun: false))
                try checkAuthorship(step)
            }
        }
        // Quiesce: everyone sends everyone their latest, twice (relays carry what arrived in the first round).
        for _ in 0..<2 {
            var fresh: [(Int, [UInt8])] = []
            for (i, p) in people.enumerated() {
                let others = (0..<3).filter { $0 != i }
                fresh.append((i, try p.export(to: others.map { people[$0].key.keyLine }, includeSelf: false)))
            }
            for (from, bytes) in fresh {
                for reader in 0..<3 where reader != from { _ = try people[reader].read(bytes) }
            }
            try checkAuthorship(1000)
        }
        func rows(_ p: Party) throws -> [String] {
            try p.store.list(limit: nil).map { o in "\(o.id) \(o.author ?? p.key.keyID) \(o.updatedAt) \(o.content)" }.sorted()
        }
        let reference = try rows(people[0])
        #expect(!reference.isEmpty)
        for p in people.dropFirst() {
            #expect(try rows(p) == reference, "seed \(seed): \(p.name) differs from alice")
            #expect(try p.store.travellingTombstoneIDs() == people[0].store.travellingTombstoneIDs(), "seed \(seed): tombstones of \(p.name)")
        }
    }
}

extension ConvergenceTests.Random: RandomNumberGenerator {}
