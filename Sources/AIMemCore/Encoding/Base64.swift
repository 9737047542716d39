/// Base64 (RFC 4648), the project's one codec, in two alphabets:
/// - `.standard` (§4, with `=` padding): embedding vectors in records;
/// - `.url` (§5, URL-safe, no padding): key lines, key files, rotation statements.
///
/// Table-driven, for public data (no secret-dependent timing is claimed).
/// Decoding is strict and canonical — only the alphabet's characters, padding
/// exactly as the alphabet requires, unused bits zero — so each byte string has
/// exactly one accepted text.
package enum Base64 {
    package enum Alphabet: Sendable {
        /// `A–Z a–z 0–9 + /`, padded to a multiple of four with `=`.
        case standard
        /// `A–Z a–z 0–9 - _`, never padded.
        case url

        fileprivate var characters: [UInt8] { self == .standard ? Base64.standardCharacters : Base64.urlCharacters }
        fileprivate var values: [UInt8] { self == .standard ? Base64.standardValues : Base64.urlValues }
    }

    private static let standardCharacters: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlCharacters: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let standardValues = valueTable(standardCharacters)
    private static let urlValues = valueTable(urlCharacters)
    private static let pad = UInt8(ascii: "=")

    /// 0xFF for bytes outside the alphabet, else the 6-bit value.
    private static func valueTable(_ characters: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in characters.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }

    /// The length of the text for `count` bytes.
    package static func encodedLength(_ count: Int, alphabet: Alphabet = .standard) -> Int {
        switch alphabet {
        case .standard: return (count + 2) / 3 * 4
        case .url: return count / 3 * 4 + [0, 2, 3][count % 3]
        }
    }

    /// Appends the base64 text of `bytes` to `out`.
    package static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8], alphabet: Alphabet = .standard) {
        let n = bytes.count
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: encodedLength(n, alphabet: alphabet)))
        let padded = alphabet == .standard
        alphabet.characters.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { buffer in
                var o = start
                var i = 0
                while i + 3 <= n {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    buffer[o + 2] = table[Int(v >> 6 & 63)]
                    buffer[o + 3] = table[Int(v & 63)]
                    i += 3
                    o += 4
                }
                if n - i == 1 {
                    let v = UInt32(bytes[i]) << 16
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    if padded {
                        buffer[o + 2] = pad
                        buffer[o + 3] = pad
                    }
                } else if n - i == 2 {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    buffer[o + 2] = table[Int(v >> 6 & 63)]
                    if padded { buffer[o + 3] = pad }
                }
            }
        }
    }

    /// The base64 text of `bytes`.
    package static func encode(_ bytes: [UInt8], alphabet: Alphabet = .standard) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encode($0, into: &out, alphabet: alphabet) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of canonical base64 `text` in `alphabet`, or nil.
    package static func decode(_ text: UnsafeRawBufferPointer, alphabet: Alphabet = .standard) -> [UInt8]? {
        var n = text.count
        // The characters of the last, partial group (0, 2 or 3).
        var tail: Int
        switch alphabet {
        case .standard:
            guard n % 4 == 0 else { return nil }
            guard n > 0 else { return [] }
            if text[n - 1] == pad {
                n -= text[n - 2] == pad ? 2 : 1
                tail = 4 - (text.count - n)
            } else {
                tail = 0
            }
        case .url:
            tail = n % 4
            guard tail != 1 else { return nil }
        }
        let full = n - tail
        var out = [UInt8](repeating: 0, count: full / 4 * 3 + (tail == 0 ? 0 : tail - 1))
        let ok = alphabet.values.withUnsafeBufferPointer { table -> Bool in
            out.withUnsafeMutableBufferPointer { buffer -> Bool in
                var bad: UInt8 = 0
                var o = 0
                var i = 0
                while i < full {
                    let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
                    bad |= a | b | c | d
                    let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    buffer[o] = UInt8(truncatingIfNeeded: v >> 16)
                    buffer[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    buffer[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                guard bad & 0xC0 == 0 else { return false }
                guard tail > 0 else { return true }
                let a = table[Int(text[i])], b = table[Int(text[i + 1])]
                guard (a | b) & 0xC0 == 0 else { return false }
                if tail == 2 {
                    guard b & 0x0F == 0 else { return false }
                    buffer[o] = a << 2 | b >> 4
                } else {
                    let c = table[Int(text[i + 2])]
                    guard c & 0xC0 == 0, c & 0x03 == 0 else { return false }
                    buffer[o] = a << 2 | b >> 4
                    buffer[o + 1] = (b & 0x0F) << 4 | c >> 2
                }
                return true
            }
        }
        return ok ? out : nil
    }

    /// The bytes of canonical base64 `text` in `alphabet`, or nil.
    package static func decode(_ text: String, alphabet: Alphabet = .standard) -> [UInt8]? {
        var copy = text
        return copy.withUTF8 { decode(UnsafeRawBufferPointer($0), alphabet: alphabet) }
    }
}
