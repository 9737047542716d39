import Foundation
import GRDB

/// A cache of the store's embeddings for fast semantic search: one file per
/// model in the home directory, holding each row's number and its vector
/// quantised to int8 (with one scale per vector) — a quarter of the float32
/// size, read sequentially in 1 MiB blocks (memory stays flat).
///
/// Search scans it for candidates, then re-ranks them with the exact float32
/// vectors from SQLite. The file records the store's write generation (bumped
/// by triggers on every change to `observations`); a stale, damaged or missing
/// file is rebuilt by the next semantic search. It is only a cache: deleting it
/// is always safe.
struct VectorIndex {
    static let magic: [UInt8] = Array("AIMEMVIX".utf8)
    static let version: UInt32 = 1
    /// Candidates kept from the int8 scan for exact re-ranking, per requested result.
    static let candidatesPerResult = 4
    static let minimumCandidates = 100

    let path: String
    let model: String
    let dimension: Int

    init(home: Home, model: String, dimension: Int) {
        self.model = model
        self.dimension = dimension
        let safe = String(model.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "." ? Character($0) : "_" })
        path = home.url.appendingPathComponent("vector-index-\(safe)-\(dimension).bin").path
    }

    /// Bytes per row: row number (Int64), scale (Float32), `dimension` int8 values.
    var rowBytes: Int { 12 + dimension }

    /// The header: magic, version, generation, row count, dimension, model id.
    func header(generation: Int64, count: Int) -> [UInt8] {
        var h = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { h.append(contentsOf: $0) } }
        put(Self.version)
        put(generation)
        put(UInt64(count))
        put(UInt32(dimension))
        let modelBytes = Array(model.utf8)
        put(UInt32(modelBytes.count))
        h += modelBytes
        return h
    }

    /// The store's current write generation.
    static func generation(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'observations_generation'") ?? 0
    }

    /// Quantises `vector` into `out` (int8) and returns its scale.
    static func quantise(_ vector: UnsafeRawBufferPointer, dimension: Int, into out: UnsafeMutablePointer<Int8>) -> Float {
        var maxAbs: Float = 0
        for i in 0..<dimension {
            let x = Float(bitPattern: UInt32(littleEndian: vector.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            maxAbs = max(maxAbs, abs(x))
        }
        guard maxAbs > 0, maxAbs.isFinite else {
            for i in 0..<dimension { out[i] = 0 }
            return 0
        }
        let scale = maxAbs / 127
        for i in 0..<dimension {
            let x = Float(bitPattern: UInt32(littleEndian: vector.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            out[i] = Int8(clamping: Int((x / scale).rounded()))
        }
        return scale
    }

    /// Writes the index from the store (inside `db`'s read transaction), atomically.
    func build(_ db: Database, generation: Int64) throws {
        let temp = path + ".tmp-\(getpid())"
        guard let file = fopen(temp, "wb") else { return }
        var ok = true
        defer {
            fclose(file)
            if !ok { unlink(temp) }
        }
        let placeholder = header(generation: -1, count: 0)
        ok = fwrite(placeholder, 1, placeholder.count, file) == placeholder.count
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT seq, embedding FROM observations WHERE embedding_model = ? AND embedding_dim = ? AND length(embedding) = ?
            """, arguments: [model, dimension, dimension * 4])
        var row = [UInt8](repeating: 0, count: rowBytes)
        var count = 0
        while ok, let r = try cursor.next() {
            let seq: Int64 = r[0]
            try r.withUnsafeData(atIndex: 1) { data in
                guard let data, data.count == dimension * 4 else { return }
                row.withUnsafeMutableBytes { out in
                    out.storeBytes(of: seq.littleEndian, toByteOffset: 0, as: Int64.self)
                    let q = (out.baseAddress! + 12).assumingMemoryBound(to: Int8.self)
                    let scale = data.withUnsafeBytes { Self.quantise($0, dimension: dimension, into: q) }
                    out.storeBytes(of: scale.bitPattern.littleEndian, toByteOffset: 8, as: UInt32.self)
                }
                ok = fwrite(row, 1, row.count, file) == row.count
                count += 1
            }
        }
        let final = header(generation: generation, count: count)
        ok = ok && fseek(file, 0, SEEK_SET) == 0 && fwrite(final, 1, final.count, file) == final.count && fflush(file) == 0
        if ok { ok = rename(temp, path) == 0 }
    }

    /// The `candidates` best rows by int8 dot product with `query`, or nil when the
    /// file is missing, damaged or not of this generation. Both halves of the file
    /// are scanned at once, on two threads.
    func scan(query: [Float], generation: Int64, candidates: Int) -> [(seq: Int64, approximate: Float)]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        let expected = header(generation: generation, count: 0)
        var head = [UInt8](repeating: 0, count: expected.count)
        guard fread(&head, 1, head.count, file) == head.count else { return nil }
        // Everything but the count must match: magic, version, generation, dimension, model.
        let countRange = 20..<28
        guard head[..<countRange.lowerBound] == expected[..<countRange.lowerBound],
              head[countRange.upperBound...] == expected[countRange.upperBound...] else { return nil }
        let count = head[countRange].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        var info = stat()
        guard fstat(fileno(file), &info) == 0, UInt64(info.st_size) == UInt64(head.count) + count * UInt64(rowBytes) else { return nil }

        // The query, quantised the same way (its scale does not change the ranking).
        var q = [Int8](repeating: 0, count: dimension)
        query.withUnsafeBytes { raw in q.withUnsafeMutableBufferPointer { _ = Self.quantise(raw, dimension: dimension, into: $0.baseAddress!) } }
        let q16 = q.map(Int16.init)

        let rows = Int(count)
        let parts = rows >= 20_000 ? 2 : 1
        let results = ScanResults(parts: parts)
        let headerBytes = head.count
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let first = rows * part / parts, end = rows * (part + 1) / parts
            results.store(part, scanRows(first..<end, headerBytes: headerBytes, query: q16, candidates: candidates))
        }
        var best = TopK(capacity: candidates)
        for part in 0..<parts {
            guard let found = results.value(part) else { return nil }
            for entry in found { best.insert(seq: entry.seq, score: entry.score) }
        }
        return best.sorted().map { ($0.seq, Float($0.score)) }
    }

    /// Scans rows `range` with its own file handle.
    private func scanRows(_ range: Range<Int>, headerBytes: Int, query q16: [Int16], candidates: Int) -> [(seq: Int64, score: Double)]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        guard fseeko(file, off_t(headerBytes + range.lowerBound * rowBytes), SEEK_SET) == 0 else { return nil }
        var best = TopK(capacity: candidates)
        let rowsPerBlock = max(1, (1 << 20) / rowBytes)
        var block = [UInt8](repeating: 0, count: rowsPerBlock * rowBytes)
        var left = range.count
        while left > 0 {
            let n = min(left, rowsPerBlock)
            guard fread(&block, 1, n * rowBytes, file) == n * rowBytes else { return nil }
            block.withUnsafeBytes { raw in
                q16.withUnsafeBufferPointer { qv in
                    for r in 0..<n {
                        let base = r * rowBytes
                        let seq = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base, as: Int64.self))
                        let scale = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8, as: UInt32.self)))
                        let v = (raw.baseAddress! + base + 12).assumingMemoryBound(to: Int8.self)
                        let score = Float(Self.dot(v, qv.baseAddress!, dimension)) * scale
                        if score > 0 { best.insert(seq: seq, score: Double(score)) }
                    }
                }
            }
            left -= n
        }
        return best.sorted()
    }

    /// Integer dot product, eight lanes at a time.
    @inline(__always)
    static func dot(_ v: UnsafePointer<Int8>, _ q: UnsafePointer<Int16>, _ n: Int) -> Int32 {
        var acc = SIMD8<Int32>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(v)
        let qraw = UnsafeRawPointer(q)
        while i + 8 <= n {
            let a = SIMD8<Int32>(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: i, as: SIMD8<Int8>.self))
            let b = SIMD8<Int32>(truncatingIfNeeded: qraw.loadUnaligned(fromByteOffset: i * 2, as: SIMD8<Int16>.self))
            acc &+= a &* b
            i += 8
        }
        var sum = acc.wrappedSum()
        while i < n {
            sum &+= Int32(v[i]) &* Int32(q[i])
            i += 1
        }
        return sum
    }
}

/// Per-thread results of a parallel scan.
private final class ScanResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[(seq: Int64, score: Double)]?]

    init(parts: Int) { values = Array(repeating: nil, count: parts) }

    func store(_ part: Int, _ value: [(seq: Int64, score: Double)]?) {
        lock.lock()
        values[part] = value
        lock.unlock()
    }

    func value(_ part: Int) -> [(seq: Int64, score: Double)]? {
        lock.lock()
        defer { lock.unlock() }
        return values[part]
    }
}
