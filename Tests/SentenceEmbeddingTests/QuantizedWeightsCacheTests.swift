import Foundation
import Testing
@testable import SentenceEmbedding

/// The packed int8 layers kept beside the model (`QuantizedWeightsCache`): used
/// only when it is exactly what packing would give, else packed again.
@Suite(ModelSupport.enabled, .enabled(if: QuantizedLinear.isAvailable, "the int8 path is off here"))
struct QuantizedWeightsCacheTests {
    static let weightsPath = ModelSupport.files.url("model.safetensors").path

    static func encoder(_ location: QuantizedWeightsCache.Location) throws -> BertEncoder {
        try BertEncoder(configuration: BertConfiguration(contentsOf: ModelSupport.files.url("config.json")), weightsPath: weightsPath,
                        quantized: true, cache: location)
    }

    static func linears(_ encoder: BertEncoder) -> [QuantizedLinear] {
        (encoder.quantizedLayers ?? []).flatMap { [$0.queryKeyValue, $0.attentionOut, $0.intermediate, $0.output] }
    }

    static func sequences() throws -> [[Int32]] {
        let tokenizer = try ModelSupport.embedder().tokenizer
        return ["The cache maps the packed layers in.", "pagination", String(repeating: "long note about migrations ", count: 30)].map { tokenizer.encode($0) }
    }

    /// A fresh directory, removed by the caller.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-int8-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func bytes<T>(_ p: UnsafePointer<T>, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: count * MemoryLayout<T>.stride))
    }

    @Test func theCachedLayersAreTheBytesJustPacked() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.int8").path
        let fresh = try Self.encoder(.nowhere)
        let writer = try Self.encoder(.file(path))
        #expect(Self.linears(writer).allSatisfy { !$0.isMapped })
        let info = try FileManager.default.attributesOfItem(atPath: path)
        #expect((info[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.int8"])  // no temporary file left

        let reader = try Self.encoder(.file(path))
        let mapped = Self.linears(reader), packed = Self.linears(fresh)
        #expect(mapped.count == 24 && mapped.allSatisfy(\.isMapped))
        for (a, b) in zip(mapped, packed) {
            #expect(a.inputs == b.inputs && a.outputs == b.outputs)
            #expect(Self.bytes(a.packed, a.inputs * a.outputs) == Self.bytes(b.packed, b.inputs * b.outputs))
            #expect(Self.bytes(a.scales, a.outputs) == Self.bytes(b.scales, b.outputs))
            #expect(Self.bytes(a.sums, a.outputs) == Self.bytes(b.sums, b.outputs))
            #expect(Self.bytes(a.bias, a.outputs) == Self.bytes(b.bias, b.outputs))
        }
        let sequences = try Self.sequences()
        #expect(reader.embed(sequences) == fresh.embed(sequences))
    }

    /// Each way a cache can be wrong, and the layers packed again (then the cache rewritten).
    @Test(arguments: ["magic", "truncated", "longer", "fingerprint", "shape", "nan-scale", "negative-scale", "writable-by-others", "symlink", "directory"])
    func aCacheThatIsNotExactlyRightIsIgnored(_ damage: String) throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.int8").path
        _ = try Self.encoder(.file(path))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let shapes = (0..<6).flatMap { _ in [(inputs: 384, outputs: 1152), (inputs: 384, outputs: 384), (inputs: 384, outputs: 1536), (inputs: 1536, outputs: 384)] }
        let layout = QuantizedWeightsCache.offsets(shapes)
        #expect(layout.total == bytes.count)
        func rewrite() throws { try Data(bytes).write(to: URL(fileURLWithPath: path)); chmod(path, 0o600) }
        switch damage {
        case "magic": bytes[0] ^= 0x20; try rewrite()
        case "truncated": bytes.removeLast(); try rewrite()
        case "longer": bytes.append(0); try rewrite()
        case "fingerprint": bytes[56] ^= 1; try rewrite()
        case "shape": bytes[64 + 4] ^= 1; try rewrite()  // the first layer's outputs
        case "nan-scale": withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(layout.layers[3].scales..<(layout.layers[3].scales + 4), with: $0) }; try rewrite()
        case "negative-scale": withUnsafeBytes(of: Float(-1).bitPattern.littleEndian) { bytes.replaceSubrange(layout.layers[0].scales..<(layout.layers[0].scales + 4), with: $0) }; try rewrite()
        case "writable-by-others": chmod(path, 0o666)
        case "symlink":
            let real = dir.appendingPathComponent("elsewhere").path
            try FileManager.default.moveItem(atPath: path, toPath: real)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: real)
        default:
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        let repacked = try Self.encoder(.file(path))
        #expect(Self.linears(repacked).allSatisfy { !$0.isMapped })
        let sequences = try Self.sequences()
        #expect(repacked.embed(sequences) == (try Self.encoder(.nowhere)).embed(sequences))
        // A damaged file is replaced by a good one (a directory in the way stays, and the cache is skipped).
        #expect(Self.linears(try Self.encoder(.file(path))).allSatisfy(\.isMapped) == (damage != "directory"))
    }

    @Test func aModelFileChangedSinceIsNoticed() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A copy of the model: same bytes, another inode, so the cache made for the original is stale.
        let copy = dir.appendingPathComponent("model.safetensors").path
        try FileManager.default.copyItem(atPath: Self.weightsPath, toPath: copy)
        let path = dir.appendingPathComponent("model.int8").path
        let cache = try #require(QuantizedWeightsCache(weightsPath: copy, location: .file(path)))
        let original = try #require(QuantizedWeightsCache.Source(path: Self.weightsPath))
        let copied = try #require(QuantizedWeightsCache.Source(path: copy))
        #expect(original.fingerprint == copied.fingerprint && original.inode != copied.inode)
        #expect(cache.store(Self.linears(try Self.encoder(.nowhere))))
        #expect(cache.load(shapes: Self.linears(try Self.encoder(.nowhere)).map { ($0.inputs, $0.outputs) }) != nil)
        // Touching the model (a new modification time) makes the cache stale.
        let later = Date(timeIntervalSinceNow: 60)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: copy)
        #expect(cache.load(shapes: Self.linears(try Self.encoder(.nowhere)).map { ($0.inputs, $0.outputs) }) == nil)
    }
}
