/// Writes JSON compactly into a byte buffer: UTF-8 left as is, only `"`, `\` and
/// control characters escaped, members in their stored order.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): writeRaw(b ? "true" : "false")
        case .number(let text): writeRaw(text)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            write(object)
        }
    }

    public mutating func write(_ object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        for (i, member) in object.members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            writeString(member.key)
            bytes.append(UInt8(ascii: ":"))
            write(member.value)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func writeRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func append(_ byte: UInt8) {
        bytes.append(byte)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func writeString(_ string: String) {
        var text = string
        text.withUTF8 { Self.appendString(UnsafeRawBufferPointer($0), to: &bytes) }
    }

    /// Appends `utf8` as a JSON string: UTF-8 as is, `"`, `\` and control
    /// characters escaped. Eight bytes are checked at a time (most text needs no escape).
    package static func appendString(_ utf8: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(0x22)
        var runStart = 0
        let n = utf8.count
        var i = 0
        while i < n {
            if i + 8 <= n && !needsEscape(utf8.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                i += 8
                continue
            }
            let byte = utf8[i]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 {
                if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<i])) }
                runStart = i + 1
                out.append(0x5C)
                switch byte {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(UInt8(ascii: "u")); out.append(0x30); out.append(0x30)
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            i += 1
        }
        if runStart < n { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: utf8[runStart..<n])) }
        out.append(0x22)
    }

    /// Whether any of the eight bytes of `word` is `"`, `\` or below 0x20 (SWAR:
    /// exact as a yes/no answer; then the bytes are looked at one by one).
    @inline(__always)
    package static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let below = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | below) & highs != 0
    }

    /// The compact JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.write(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Pretty-printed JSON (two-space indent), for human-facing `--json` output.
    public static func pretty(_ value: JSONValue) -> String {
        var out = JSONWriter()
        out.writePretty(value, indent: 0)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    private mutating func writePretty(_ value: JSONValue, indent: Int) {
        func newline(_ level: Int) {
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(0x20, count: level * 2))
        }
        switch value {
        case .array(let elements) where !elements.isEmpty:
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writePretty(element, indent: indent + 1)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            bytes.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                writeString(member.key)
                bytes.append(contentsOf: [UInt8(ascii: ":"), 0x20])
                writePretty(member.value, indent: indent + 1)
            }
            newline(indent)
            bytes.append(UInt8(ascii: "}"))
        default:
            write(value)
        }
    }
}
