import AIMemCore
/// The built-in offline embedder: **lexical, not semantic**. It hashes words and
/// character trigrams into a fixed number of signed buckets (feature hashing) and
/// L2-normalises the result, so texts sharing words and word fragments land close
/// together. It needs no model files and no network; a real sentence-embedding
/// model can replace it behind the same `Embedder` interface.
public struct LexicalHashEmbedder: Embedder {
    public let dimension: Int
    public var modelID: String { "lexical-hash-\(dimension)-v1" }

    public init(dimension: Int = 384) {
        precondition(dimension > 0)
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map(vector)
    }

    func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        for word in LexicalTokenizer.words(text) {
            add(word, kind: 0x11, weight: 1.0, to: &v)
            // Trigrams of "^word$" let inflections (fix/fixed, bug/bugs) share features.
            let chars = Array("^" + word + "$")
            if chars.count > 4 {
                for i in 0...(chars.count - 3) {
                    add(String(chars[i..<i + 3]), kind: 0x22, weight: 0.35, to: &v)
                }
            }
        }
        var norm: Float = 0
        for x in v { norm += x * x }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for i in v.indices { v[i] *= scale }
        }
        return v
    }

    private func add(_ feature: String, kind: UInt8, weight: Float, to v: inout [Float]) {
        let h = FNV1a.hash(feature, seed: kind)
        let bucket = Int(h % UInt64(dimension))
        let sign: Float = (h >> 63) == 0 ? 1 : -1
        v[bucket] += sign * weight
    }
}

/// Splits text into lowercase words of letters and digits; each CJK ideograph,
/// kana or hangul syllable is its own word (those scripts do not use spaces).
enum LexicalTokenizer {
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        for scalar in text.lowercased().unicodeScalars {
            if isUnspacedScript(scalar) {
                flush()
                words.append(String(scalar))
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_" {
                current.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return words
    }

    private static func isUnspacedScript(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0x20000...0x2FFFF:
            return true
        default:
            return false
        }
    }
}

/// 64-bit FNV-1a, stable across runs and platforms (unlike Swift's `Hasher`).
enum FNV1a {
    static func hash(_ text: String, seed: UInt8) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        h = (h ^ UInt64(seed)) &* 0x0000_0100_0000_01b3
        for byte in text.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        // Final avalanche so that the top (sign) bit depends on every byte.
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}
