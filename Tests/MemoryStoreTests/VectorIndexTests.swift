import AIMemCore
import Foundation
import Testing
@testable import MemoryStore

/// The vector index is a cache: semantic search through it ranks like the full
/// scan of SQLite, and it is rebuilt whenever the observations changed or the
/// file is damaged.
struct VectorIndexTests {
    static let words = ["cache", "retry", "timeout", "parser", "socket", "deploy", "schema", "migration", "token", "session",
                        "thread", "queue", "kernel", "buffer", "commit", "branch", "release", "latency", "memory", "index"]

    static func seeded(_ count: Int) throws -> (TemporaryHome, MemoryStore) {
        let temp = TemporaryHome()
        let store = try temp.store()
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % n
        }
        for i in 0..<count {
            let text = (0..<(4 + next(8))).map { _ in words[next(words.count)] }.joined(separator: " ")
            _ = try store.add(NewObservation(content: "\(text) #\(i)", project: "/p"), now: Double(i))
        }
        return (temp, store)
    }

    func indexFile(_ store: MemoryStore) -> String {
        VectorIndex(home: store.home, model: store.embedder.modelID, dimension: store.embedder.dimension).path
    }

    /// The exact scan, as search did before the index (a project filter takes that path).
    func exact(_ store: MemoryStore, _ query: String, limit: Int) throws -> [String] {
        try store.search(query, mode: .semantic, limit: limit, filter: ObservationFilter(project: "/p")).map(\.observation.id)
    }

    /// A store that keeps the index in memory (the MCP server's) ranks like the full
    /// scan and follows every change: rows added by another store on the same home,
    /// and a deletion (which rebuilds the file).
    @Test func anIndexHeldInMemoryFollowsTheStore() throws {
        let (temp, writer) = try Self.seeded(300)
        defer { try? FileManager.default.removeItem(at: temp.url) }
        let server = try MemoryStore(home: writer.home, embedder: writer.embedder, keepsVectorIndexInMemory: true)
        for query in ["cache retry", "kernel buffer"] {
            #expect(try server.search(query, mode: .semantic, limit: 10).map(\.observation.id) == exact(writer, query, limit: 10))
        }
        let added = try writer.add(NewObservation(content: "zebra quartz vortex", project: "/p"), now: 1000)
        #expect(try server.search("zebra quartz vortex", mode: .semantic, limit: 1).first?.observation.id == added.id)
        try writer.delete(added.id, ownKeyIDs: [])
        #expect(try server.search("zebra quartz vortex", mode: .semantic, limit: 5).map(\.observation.id).contains(added.id) == false)
        #expect(try server.search("cache retry", mode: .semantic, limit: 10).map(\.observation.id) == exact(writer, "cache retry", limit: 10))
    }

    @Test func indexedSearchRanksLikeTheFullScan() throws {
        let (temp, store) = try Self.seeded(400)
        defer { try? FileManager.default.removeItem(at: temp.url) }
        for query in ["cache retry", "parser socket timeout", "kernel buffer", "release branch commit", "memory"] {
            let indexed = try store.search(query, mode: .semantic, limit: 10).map(\.observation.id)
            #expect(indexed == (try exact(store, query, limit: 10)), "query \(query)")
        }
        #expect(FileManager.default.fileExists(atPath: indexFile(store)))
    }

    @Test func addsAndDeletesMakeTheIndexStaleAndItIsRebuilt() throws {
        let (temp, store) = try Self.seeded(50)
        defer { try? FileManager.default.removeItem(at: temp.url) }
        _ = try store.search("cache", mode: .semantic)
        let added = try store.add(NewObservation(content: "zebra zebra zebra unique words", project: "/p"), now: 9999)
        #expect(try store.search("zebra unique", mode: .semantic, limit: 1).first?.observation.id == added.id)
        _ = try store.delete(added.id, ownKeyIDs: [])
        #expect(try store.search("zebra unique", mode: .semantic, limit: 5).contains { $0.observation.id == added.id } == false)
        // Hybrid search goes through the index too.
        #expect(try store.search("cache retry", mode: .hybrid, limit: 5).isEmpty == false)
    }

    func inode(_ path: String) throws -> UInt64 {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.uint64Value)
    }

    /// New rows are appended to the file (no rebuild); a deletion makes the next search rebuild it.
    @Test func addedRowsAreAppendedAndADeletionRebuilds() throws {
        let (temp, store) = try Self.seeded(120)
        defer { try? FileManager.default.removeItem(at: temp.url) }
        _ = try store.search("cache", mode: .semantic)
        let path = indexFile(store)
        let first = try inode(path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        var added: [String] = []
        for i in 0..<3 { added.append(try store.add(NewObservation(content: "walrus walrus \(i) appended rows", project: "/p"), now: Double(5000 + i)).id) }
        let hits = try store.search("walrus appended", mode: .semantic, limit: 3).map(\.observation.id)
        #expect(Set(hits) == Set(added))
        #expect(try inode(path) == first, "appended in place, not rebuilt")
        let grown = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(grown == size + 3 * (12 + store.embedder.dimension))
        for query in ["walrus", "cache retry", "kernel buffer"] {
            #expect(try store.search(query, mode: .semantic, limit: 8).map(\.observation.id) == (try exact(store, query, limit: 8)))
        }
        _ = try store.delete(added[0], ownKeyIDs: [])
        #expect(try store.search("walrus appended", mode: .semantic, limit: 3).map(\.observation.id).contains(added[0]) == false)
        #expect(try inode(path) != first, "rebuilt after a deletion")
    }

    @Test func aDamagedIndexFileIsRebuilt() throws {
        let (temp, store) = try Self.seeded(100)
        defer { try? FileManager.default.removeItem(at: temp.url) }
        let expected = try exact(store, "timeout queue", limit: 5)
        _ = try store.search("timeout queue", mode: .semantic)
        let path = indexFile(store)
        for damage in ["truncated", "garbage", "empty"] {
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            switch damage {
            case "truncated": bytes.removeLast(7)
            case "garbage": for i in stride(from: 0, to: min(bytes.count, 64), by: 3) { bytes[i] ^= 0x5A }
            default: bytes = []
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try store.search("timeout queue", mode: .semantic, limit: 5).map(\.observation.id) == expected, "\(damage)")
        }
    }

    @Test func quantisedDotProductMatchesTheScalarOne() {
        var state: UInt64 = 7
        for n in [1, 7, 8, 9, 384, 385] {
            var v = [Int8](), q = [Int16]()
            for _ in 0..<n {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                v.append(Int8(truncatingIfNeeded: Int(state >> 40) % 255 - 127))
                q.append(Int16(Int(state >> 20) % 255 - 127))
            }
            let expected = zip(v, q).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
            let got = v.withUnsafeBufferPointer { vp in q.withUnsafeBufferPointer { VectorIndex.dot(vp.baseAddress!, $0.baseAddress!, n) } }
            #expect(got == expected, "n = \(n)")
            // The kernel of the scan (and its portable C), over rows laid out as in the file.
            let rowBytes = 12 + n
            var rows = [UInt8](repeating: 0xEE, count: 3 * rowBytes)
            for r in 0..<3 { for i in 0..<n { rows[r * rowBytes + 12 + i] = UInt8(bitPattern: r == 1 ? v[n - 1 - i] : v[i]) } }
            let reversed = zip(v.reversed(), q).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
            let query = q.map { Int8($0) }
            for portable in [false, true] {
                let dots = rows.withUnsafeBytes { VectorIndex.dots($0, count: 3, rowBytes: rowBytes, query: query, portable: portable) }
                #expect(dots == [expected, reversed, expected], "n = \(n), portable: \(portable)")
            }
        }
    }
}
