import Foundation

/// A vector with the model that produced it. Vectors of different models or
/// dimensions are never compared.
public struct Embedding: Sendable, Equatable {
    /// The largest dimension accepted from any input.
    public static let maxDimension = 4096

    public var model: String
    public var vector: [Float]

    public var dimension: Int { vector.count }

    public init(model: String, vector: [Float]) {
        self.model = model
        self.vector = vector
    }

    /// The vector as little-endian float32 bytes (the BLOB and base64 form).
    public var littleEndianBytes: [UInt8] {
        let n = vector.count * 4
        return [UInt8](unsafeUninitializedCapacity: n) { out, count in
            let raw = UnsafeMutableRawBufferPointer(out)
            for (i, value) in vector.enumerated() {
                raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
            count = n
        }
    }

    /// Reads little-endian float32 bytes; nil unless the length is a multiple of 4.
    public static func vector(fromLittleEndian raw: UnsafeRawBufferPointer) -> [Float]? {
        guard raw.count % 4 == 0 else { return nil }
        let n = raw.count / 4
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n {
                out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
            count = n
        }
    }

    /// Reads little-endian float32 bytes from `Data`.
    public static func vector(fromLittleEndian data: Data) -> [Float]? {
        data.withUnsafeBytes { vector(fromLittleEndian: $0) }
    }

    /// True when every component is finite.
    public var isFinite: Bool { vector.allSatisfy(\.isFinite) }
}
