/// The byte encoding that author signatures cover (docs/FORMAT.md §4.6): built
/// from values, not from JSON text, so that whitespace, member order at the top
/// level and escapes do not matter. Tag bytes, then 4-byte little-endian lengths
/// and counts.
public enum SignedEncoding {
    enum Tag: UInt8 {
        case null = 0, `false`, `true`, finiteNumber, number, string, array, object
    }

    /// A record version: its members in the fixed order, the embedding and author left out.
    public static func record(_ o: Observation) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(o.content.utf8.count * 2 + 512)
        string(o.id, &out)
        optional(o.sessionID, &out)
        string(o.project, &out)
        string(o.type, &out)
        optional(o.concept, &out)
        optional(o.title, &out)
        string(o.content, &out)
        optional(o.summary, &out)
        string(o.contentHash, &out)
        finite(o.createdAt, &out)
        finite(o.updatedAt, &out)
        finite(o.importanceScore, &out)
        count(.array, o.tags.count, &out)
        for t in o.tags { string(t, &out) }
        object(o.metadata, &out)
        optional(o.diff, &out)
        count(.array, o.assets.count, &out)
        for a in o.assets { value(a, &out) }
        return out
    }

    /// A tombstone: its id, then when it was deleted.
    public static func tombstone(id: String, deletedAt: Double) -> [UInt8] {
        var out: [UInt8] = []
        string(id, &out)
        finite(deletedAt, &out)
        return out
    }

    static func string(_ s: String, _ out: inout [UInt8]) {
        count(.string, s.utf8.count, &out)
        out.append(contentsOf: s.utf8)
    }

    static func optional(_ s: String?, _ out: inout [UInt8]) {
        if let s { string(s, &out) } else { out.append(Tag.null.rawValue) }
    }

    /// A member typed "finite number": the double, little-endian, zero as +0.
    static func finite(_ d: Double, _ out: inout [UInt8]) {
        out.append(Tag.finiteNumber.rawValue)
        let bits = (d == 0 ? 0.0 : d).bitPattern
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    static func count(_ tag: Tag, _ n: Int, _ out: inout [UInt8]) {
        out.append(tag.rawValue)
        let v = UInt32(truncatingIfNeeded: n)
        out.append(contentsOf: [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)])
    }

    static func object(_ o: JSONObject, _ out: inout [UInt8]) {
        count(.object, o.members.count, &out)
        for m in o.members {
            string(m.key, &out)
            value(m.value, &out)
        }
    }

    /// A free-form value: numbers as their text.
    static func value(_ v: JSONValue, _ out: inout [UInt8]) {
        switch v {
        case .null: out.append(Tag.null.rawValue)
        case .bool(let b): out.append(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .number(let text):
            count(.number, text.utf8.count, &out)
            out.append(contentsOf: text.utf8)
        case .string(let s): string(s, &out)
        case .array(let a):
            count(.array, a.count, &out)
            for e in a { value(e, &out) }
        case .object(let o): object(o, &out)
        }
    }
}
