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
        var out = [UInt8]()
        out.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = value.bitPattern.littleEndian
            out.append(UInt8(truncatingIfNeeded: bits))
            out.append(UInt8(truncatingIfNeeded: bits >> 8))
            out.append(UInt8(truncatingIfNeeded: bits >> 16))
            out.append(UInt8(truncatingIfNeeded: bits >> 24))
        }
        return out
    }

    /// Reads little-endian float32 bytes; nil unless the length is a multiple of 4.
    public static func vector<Bytes: Collection>(fromLittleEndian bytes: Bytes) -> [Float]? where Bytes.Element == UInt8 {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [Float]()
        out.reserveCapacity(bytes.count / 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next(), let b1 = iterator.next(), let b2 = iterator.next(), let b3 = iterator.next() {
            let bits = UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
            out.append(Float(bitPattern: bits))
        }
        return out
    }

    /// True when every component is finite.
    public var isFinite: Bool { vector.allSatisfy(\.isFinite) }
}
