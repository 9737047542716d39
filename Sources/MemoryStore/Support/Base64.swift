/// Standard base64 (RFC 4648 §4, with padding) for public data such as embedding
/// vectors: table-driven and fast. Decoding is strict and canonical — length a
/// multiple of 4, padding only at the end, unused bits zero — so each byte string
/// has exactly one accepted text. (Secrets go through libsodium's constant-time codec.)
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encodedLength(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Appends the base64 text of `bytes` to `out`.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        let n = bytes.count
        let start = out.count
        let length = encodedLength(n)
        out.append(contentsOf: repeatElement(0, count: length))
        alphabet.withUnsafeBufferPointer { table in
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
                    buffer[o + 2] = 0x3D
                    buffer[o + 3] = 0x3D
                } else if n - i == 2 {
                    let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                    buffer[o] = table[Int(v >> 18)]
                    buffer[o + 1] = table[Int(v >> 12 & 63)]
                    buffer[o + 2] = table[Int(v >> 6 & 63)]
                    buffer[o + 3] = 0x3D
                }
            }
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { encode($0, into: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of canonical base64 `text`, or nil.
    public static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        let n = text.count
        guard n % 4 == 0 else { return nil }
        guard n > 0 else { return [] }
        var padding = 0
        if text[n - 1] == 0x3D { padding = text[n - 2] == 0x3D ? 2 : 1 }
        let count = n / 4 * 3 - padding
        var out = [UInt8](repeating: 0, count: count)
        let ok = values.withUnsafeBufferPointer { table -> Bool in
            out.withUnsafeMutableBufferPointer { buffer -> Bool in
                var bad: UInt8 = 0
                var o = 0
                var i = 0
                let full = padding == 0 ? n : n - 4
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
                if padding > 0 {
                    let a = table[Int(text[i])], b = table[Int(text[i + 1])]
                    guard (a | b) & 0xC0 == 0 else { return false }
                    if padding == 2 {
                        guard b & 0x0F == 0 else { return false }
                        buffer[o] = a << 2 | b >> 4
                    } else {
                        let c = table[Int(text[i + 2])]
                        guard c & 0xC0 == 0, c & 0x03 == 0 else { return false }
                        buffer[o] = a << 2 | b >> 4
                        buffer[o + 1] = (b & 0x0F) << 4 | c >> 2
                    }
                }
                return true
            }
        }
        return ok ? out : nil
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var copy = text
        return copy.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }
}
