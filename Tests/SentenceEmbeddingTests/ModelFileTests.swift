import AIMemCore
import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// Malformed model files are refused with an error naming the problem, before
/// any pointer into them is formed.
struct ModelFileTests {
    func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file: the header length, the header, then `data`.
    func safetensors(header: String, data: [UInt8], in dir: URL, declaredLength: UInt64? = nil) throws -> String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(header.utf8.count)).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + data
        let path = dir.appendingPathComponent("model.safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Padding shifts the data: aligned floats are read in place, misaligned ones copied.
    @Test(arguments: 0..<4) func aWellFormedTensorIsReadAndItsShapeChecked(padding: Int) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var data: [UInt8] = []
        for v in [Float(1.5), -2, 3, 4] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        let header = #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"ids":{"dtype":"I64","shape":[0],"data_offsets":[16,16]}}"#
        let path = try safetensors(header: header + String(repeating: " ", count: padding), data: data, in: dir)
        let file = try SafeTensors(path: path)
        let w = try file.floats("w", shape: [2, 2])
        #expect((0..<4).map { w[$0] } == [1.5, -2, 3, 4])
        #expect(throws: EmbeddingError.invalidModel(reason: "tensor w has shape [2, 2], expected [4]")) { try file.floats("w", shape: [4]) }
        #expect(throws: EmbeddingError.invalidModel(reason: "\(path) has no F32 tensor missing")) { try file.floats("missing", shape: [2, 2]) }
        #expect(throws: EmbeddingError.invalidModel(reason: "\(path) has no F32 tensor ids")) { try file.floats("ids", shape: [0]) }  // not F32
    }

    @Test(arguments: [
        (#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,32]}}"#, "tensor w has data offsets outside the file or not matching its shape"),
        (#"{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,16]}}"#, "tensor w has data offsets outside the file or not matching its shape"),
        (#"{"w":{"dtype":"F32","shape":[3,3],"data_offsets":[0,36]}}"#, "tensor w is larger than the file"),
        (#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[8,4]}}"#, "tensor w has data offsets outside the file or not matching its shape"),
        (#"{"w":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,16]}}"#, "tensor w has a bad shape"),
        (#"{"w":{"dtype":"F32","shape":[1,1,1,1,1],"data_offsets":[0,4]}}"#, "tensor w has rank 5"),
        (#"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, "tensor w has a bad shape"),
        (#"{"w":{"dtype":"F32","shape":[2,2]}}"#, "tensor w lacks dtype, shape or data_offsets"),
        (#"[1,2]"#, "the header is not a JSON object"),
        (#"{"w":"#, "the header is not JSON (unexpected end of input at line 1, column 6)"),
    ])
    func hostileHeadersAreRefused(header: String, expected: String) throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = try safetensors(header: header, data: [UInt8](repeating: 0, count: 16), in: dir)
        let error = #expect(throws: EmbeddingError.self) { try SafeTensors(path: path) }
        #expect(error == .invalidModel(reason: "\(path): \(expected)"), "\(error?.message ?? "")")
    }

    @Test func aHeaderLengthBeyondTheFileIsRefused() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for declared: UInt64 in [1 << 40, UInt64.max, 1000] {
            let path = try safetensors(header: "{}", data: [], in: dir, declaredLength: declared)
            #expect(throws: EmbeddingError.invalidModel(reason: "\(path): the header length \(declared) exceeds the file or 16 MiB")) { try SafeTensors(path: path) }
        }
        let short = dir.appendingPathComponent("short").path, absent = dir.appendingPathComponent("absent").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        #expect(throws: EmbeddingError.invalidModel(reason: "\(short): shorter than its header length")) { try SafeTensors(path: short) }
        #expect(throws: EmbeddingError.invalidModel(reason: "cannot open \(absent): No such file or directory")) { try SafeTensors(path: absent) }
    }

    @Test func configurationsOutsideTheCapsOrNotBERTAreRefused() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = #"{"model_type":"bert","hidden_act":"gelu","hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"vocab_size":30522,"max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12}"#
        let url = dir.appendingPathComponent("config.json")
        try Data(good.utf8).write(to: url)
        #expect(try BertConfiguration(contentsOf: url).headSize == 32)
        let outside = "config.json describes a model outside the supported sizes"
        for (from, to, reason) in [("\"bert\"", "\"gpt2\"", "config.json: model_type is not bert"), ("\"gelu\"", "\"relu\"", "config.json: hidden_act is not gelu"),
                                   (":384", ":385", outside), (":6,", ":1000,", outside), (":30522", ":99999999", outside), (":512", ":1", outside)] {
            try Data(good.replacingOccurrences(of: from, with: to).utf8).write(to: url)
            #expect(throws: EmbeddingError.invalidModel(reason: reason), "\(to)") { try BertConfiguration(contentsOf: url) }
        }
    }

    @Test func aModelDirectoryMissingAFileNamesIt() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{}".utf8).write(to: dir.appendingPathComponent("config.json"))
        let error = #expect(throws: EmbeddingError.self) { try MiniLMEmbedder(files: ModelFiles(directory: dir)) }
        #expect(error == .modelMissing(directory: dir.path, file: "vocab.txt"))
        #expect(error?.hint?.contains("scripts/fetch-model.sh") == true)
    }

    @Test(ModelSupport.enabled) func aVocabularyOfTheWrongSizeIsRefused() throws {
        let real = try ModelSupport.embedder().files
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent(name), withDestinationURL: real.url(name))
        }
        try Data("[PAD]\n[UNK]\n[CLS]\n[SEP]\n".utf8).write(to: dir.appendingPathComponent("vocab.txt"))
        let error = #expect(throws: EmbeddingError.self) { try MiniLMEmbedder(files: ModelFiles(directory: dir)) }
        #expect(error == .invalidModel(reason: "vocab.txt has 4 tokens, config.json says 30522"), "\(error?.message ?? "")")
    }
}
