import AIMemCore
internal import CKernels

/// Base64 (the standard alphabet, padded) for the export's hot path, the bytes
/// of each embedding vector: whole 48-byte blocks by the AVX-512 VBMI kernel of
/// `CKernels` where this CPU has it, the rest by `Base64`. The text is the same
/// either way.
enum VectorBase64 {
    /// Whether this machine runs the kernel.
    static let kernelAvailable = aimem_base64_vbmi_available() != 0

    /// Appends the base64 text of `bytes` to `out`; `kernel: false` uses `Base64` alone (tests).
    static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8], kernel: Bool = kernelAvailable) {
        let blocks = bytes.count - bytes.count % 48
        guard kernel, blocks > 0, let base = bytes.baseAddress else {
            Base64.encode(bytes, into: &out)
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: blocks / 3 * 4))
        let encoded = out.withUnsafeMutableBufferPointer { buffer in
            aimem_base64_encode_vbmi(base.assumingMemoryBound(to: UInt8.self), blocks, buffer.baseAddress! + start)
        }
        precondition(encoded == blocks, "the base64 kernel encodes every whole block")
        Base64.encode(UnsafeRawBufferPointer(rebasing: bytes[blocks...]), into: &out)
    }
}
