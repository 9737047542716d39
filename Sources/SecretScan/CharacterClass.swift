/// A set of bytes written as in a regular expression's brackets, without the
/// brackets: `A-Za-z0-9_-` (ranges `x-y`, single bytes, a `-` first or last is
/// itself, `\` escapes the next byte). ASCII only: a byte ≥ 0x80 is never a member.
struct CharacterClass: Sendable, Equatable {
    private var bits: (UInt64, UInt64) = (0, 0)

    init(_ spec: String) throws(SecretRuleError) {
        let bytes = Array(spec.utf8)
        guard !bytes.isEmpty else { throw SecretRuleError("an empty character class") }
        var i = 0
        while i < bytes.count {
            var low = bytes[i]
            if low == 0x5C {  // backslash: the next byte as itself
                guard i + 1 < bytes.count else { throw SecretRuleError("a character class ends in a backslash: \(spec)") }
                i += 1
                low = bytes[i]
            }
            if i + 2 < bytes.count, bytes[i + 1] == 0x2D {
                let high = bytes[i + 2]
                guard low <= high else { throw SecretRuleError("the range \(Character(Unicode.Scalar(low)))-\(Character(Unicode.Scalar(high))) is reversed in \(spec)") }
                for b in low...high { try insert(b, spec) }
                i += 3
            } else {
                try insert(low, spec)
                i += 1
            }
        }
    }

    private mutating func insert(_ byte: UInt8, _ spec: String) throws(SecretRuleError) {
        guard byte < 0x80 else { throw SecretRuleError("a character class may hold ASCII only: \(spec)") }
        if byte < 64 { bits.0 |= 1 << UInt64(byte) } else { bits.1 |= 1 << UInt64(byte - 64) }
    }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? bits.0 & (1 << UInt64(byte)) != 0 : byte < 128 && bits.1 & (1 << UInt64(byte &- 64)) != 0
    }

    static func == (a: CharacterClass, b: CharacterClass) -> Bool { a.bits == b.bits }

    /// ASCII letters and digits.
    static let alphanumeric = try! CharacterClass("A-Za-z0-9")
}
