import Foundation
import AIMemCore

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw data. Only
/// F32 tensors are read; every length, offset and shape is checked against the
/// file before any pointer is formed.
struct SafeTensors: @unchecked Sendable {
    /// A larger header is refused (the real one is about 10 KB).
    static let maxHeaderBytes = 16 << 20
    static let maxRank = 4

    struct Tensor {
        var shape: [Int]
        /// Byte range within the data section.
        var range: Range<Int>
    }

    let file: MappedFile
    let tensors: [String: Tensor]
    let dataStart: Int

    init(path: String) throws {
        file = try MappedFile(path: path)
        let bytes = file.bytes
        func bad(_ reason: String) -> EmbeddingError { .invalidModel(reason: "\(path): \(reason)") }
        guard bytes.count >= 8 else { throw bad("shorter than its header length") }
        let headerLength = bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
        guard headerLength <= UInt64(Self.maxHeaderBytes), Int(headerLength) <= bytes.count - 8 else {
            throw bad("the header length \(headerLength) exceeds the file or \(Self.maxHeaderBytes >> 20) MiB")
        }
        dataStart = 8 + Int(headerLength)
        let header: JSONValue
        do {
            header = try JSONParser.parse(Array(bytes[8..<dataStart]))
        } catch {
            throw bad("the header is not JSON (\(error))")
        }
        guard case .object(let entries) = header else { throw bad("the header is not a JSON object") }
        let dataLength = bytes.count - dataStart
        var tensors: [String: Tensor] = [:]
        for member in entries.members where member.key != "__metadata__" {
            let name = member.key, value = member.value
            guard case .object(let fields) = value,
                  case .string(let dtype)? = fields["dtype"],
                  case .array(let shapeValues)? = fields["shape"],
                  case .array(let offsetValues)? = fields["data_offsets"], offsetValues.count == 2 else {
                throw bad("tensor \(name) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { continue }  // position_ids (I64) and the like are not needed.
            guard shapeValues.count <= Self.maxRank else { throw bad("tensor \(name) has rank \(shapeValues.count)") }
            var shape: [Int] = []
            var elements = 1
            for v in shapeValues {
                guard let n = v.nonNegativeInt, n <= Int(Int32.max) else { throw bad("tensor \(name) has a bad shape") }
                shape.append(n)
                let (product, overflow) = elements.multipliedReportingOverflow(by: n)
                guard !overflow, product <= dataLength / 4 else { throw bad("tensor \(name) is larger than the file") }
                elements = product
            }
            guard let begin = offsetValues[0].nonNegativeInt, let end = offsetValues[1].nonNegativeInt,
                  begin <= end, end <= dataLength, end - begin == elements * 4 else {
                throw bad("tensor \(name) has data offsets outside the file or not matching its shape")
            }
            tensors[name] = Tensor(shape: shape, range: begin..<end)
        }
        self.tensors = tensors
    }

    /// The F32 tensor `name`, which must have exactly `shape`.
    func floats(_ name: String, shape: [Int]) throws -> TensorView {
        guard let tensor = tensors[name] else {
            throw EmbeddingError.invalidModel(reason: "\(file.path) has no F32 tensor \(name)")
        }
        guard tensor.shape == shape else {
            throw EmbeddingError.invalidModel(reason: "tensor \(name) has shape \(tensor.shape), expected \(shape)")
        }
        let start = dataStart + tensor.range.lowerBound
        let raw = UnsafeRawBufferPointer(rebasing: file.bytes[start..<(dataStart + tensor.range.upperBound)])
        return TensorView(file: file, raw: raw)
    }
}

/// Floats of one tensor, straight from the mapped file when they are 4-byte
/// aligned (they are in files written by the safetensors library), else copied.
struct TensorView: @unchecked Sendable {
    private let owner: AnyObject
    let pointer: UnsafePointer<Float>
    let count: Int

    init(file: MappedFile, raw: UnsafeRawBufferPointer) {
        count = raw.count / 4
        #if _endian(big)
        #error("safetensors data is little-endian; big-endian hosts are not supported")
        #endif
        if let base = raw.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            owner = file
            pointer = base.assumingMemoryBound(to: Float.self)
        } else {
            let copy = FloatBuffer(count: count)
            memcpy(copy.pointer, raw.baseAddress!, raw.count)
            owner = copy
            pointer = UnsafePointer(copy.pointer)
        }
    }

    subscript(i: Int) -> Float { pointer[i] }
}

/// An owned, aligned float buffer.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

private extension JSONValue {
    var nonNegativeInt: Int? {
        guard case .number(let text) = self, let n = Int(text), n >= 0 else { return nil }
        return n
    }
}
