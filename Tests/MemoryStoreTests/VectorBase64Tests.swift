import AIMemCore
import Testing
@testable import MemoryStore

/// The export's base64 of embedding vectors: the AVX-512 VBMI kernel must give
/// exactly `Base64`'s text, at every length and block boundary.
struct VectorBase64Tests {
    /// RFC 4648 §10's vectors, then lengths around the kernel's 48-byte blocks.
    @Test func theKernelGivesBase64sTextAtEveryLength() {
        for (input, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")] {
            for kernel in [false, VectorBase64.kernelAvailable] {
                var out: [UInt8] = Array("x".utf8)
                Array(input.utf8).withUnsafeBytes { VectorBase64.encode($0, into: &out, kernel: kernel) }
                #expect(String(decoding: out, as: UTF8.self) == "x" + expected)
            }
        }
        var generator = SplitMix(seed: 7)
        for count in Array(0...200) + [1535, 1536, 1537, 4 * 4096] {
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var reference: [UInt8] = [0x7B]
            var viaKernel: [UInt8] = [0x7B]
            bytes.withUnsafeBytes {
                Base64.encode($0, into: &reference)
                VectorBase64.encode($0, into: &viaKernel)
            }
            #expect(viaKernel == reference, "\(count) bytes")
            let text = Array(viaKernel.dropFirst())
            #expect(text.withUnsafeBytes { Base64.decode($0) } == bytes, "\(count) bytes decode back")
        }
    }

    /// Every byte value in every position of a block: the kernel's permutations and
    /// shifts are checked against the scalar encoder for all 256 × 48 cases.
    @Test func everyByteValueInEveryBlockPosition() {
        for position in 0..<48 {
            for value in 0...255 {
                var block = [UInt8](repeating: 0xA5, count: 96)
                block[position] = UInt8(value)
                block[48 + (position * 7) % 48] = UInt8(255 - value)
                var reference: [UInt8] = [], viaKernel: [UInt8] = []
                block.withUnsafeBytes {
                    Base64.encode($0, into: &reference)
                    VectorBase64.encode($0, into: &viaKernel)
                }
                if viaKernel != reference { Issue.record("byte \(value) at \(position)"); return }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) for test bytes.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension VectorBase64Tests {
    /// The kernel is chosen exactly where /proc/cpuinfo lists what it needs.
    @Test func theKernelRunsWhereTheCPUHasIt() {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set((cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        #expect(VectorBase64.kernelAvailable == ["avx512f", "avx512bw", "avx512vbmi"].allSatisfy(flags.contains))
    }
}
