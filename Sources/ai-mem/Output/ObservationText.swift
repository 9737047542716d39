import AIMemCore
import Foundation
import MemoryStore

/// Human-readable renderings of observations.
enum ObservationText {
    /// One line: short id, date, type, and the title or the summary's first line.
    static func line(_ o: Observation) -> String {
        let date = DateParsing.format(o.createdAt).prefix(16).replacingOccurrences(of: "T", with: " ")
        let line = TerminalText.oneLine
        return "\(line(String(o.id.prefix(8))))  \(date)  [\(line(o.type))] \(line(headline(o)))"
    }

    static func headline(_ o: Observation, width: Int = 72) -> String {
        let source = o.title ?? o.summary ?? o.content
        let firstLine = source.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return firstLine.count > width ? String(firstLine.prefix(width - 1)) + "…" : firstLine
    }

    static func full(_ o: Observation, authors: Authors, provenance: Provenance?) -> String {
        var lines: [String] = []
        let line = TerminalText.oneLine
        lines.append("id:         \(line(o.id))")
        let (keyID, name) = authors.describe(o.author)
        lines.append("author:     \(line(name))\(keyID.map { " (key \(line($0)))" } ?? "")")
        if let provenance {
            let signer = authors.describe(provenance.signerKeyID).name
            lines.append("from:       snapshot \(line(provenance.snapshotID)), signed by \(line(signer)) (key \(line(provenance.signerKeyID))), merged \(DateParsing.format(provenance.mergedAt))")
        }
        lines.append("project:    \(line(o.project))")
        lines.append("type:       \(line(o.type))")
        if let concept = o.concept { lines.append("concept:    \(line(concept))") }
        if let title = o.title { lines.append("title:      \(line(title))") }
        if let session = o.sessionID { lines.append("session:    \(line(session))") }
        lines.append("created:    \(DateParsing.format(o.createdAt))")
        if o.updatedAt != o.createdAt { lines.append("updated:    \(DateParsing.format(o.updatedAt))") }
        if !o.tags.isEmpty { lines.append("tags:       \(o.tags.map(line).joined(separator: ", "))") }
        lines.append("importance: \(o.importanceScore)")
        if !o.metadata.isEmpty { lines.append("metadata:   \(JSONWriter.string(.object(o.metadata)))") }
        if !o.assets.isEmpty { lines.append("assets:     \(o.assets.count)") }
        if let e = o.embedding { lines.append("embedding:  \(line(e.model)) (\(e.dimension)-d)") }
        lines.append("hash:       \(o.contentHash)")
        lines.append("")
        lines.append(o.content)
        if let diff = o.diff {
            lines.append("")
            lines.append(diff)
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ o: Observation, authors: Authors, provenance: Provenance? = nil) -> JSONValue {
        var object = ObservationCodec.encode(o, embedding: .described)
        object.append("author", authors.json(o.author))
        if let provenance {
            object.append("provenance", .object(JSONObject([
                "snapshot_id": .string(provenance.snapshotID), "signer": authors.json(provenance.signerKeyID),
                "merged_at": JSONValue.double(provenance.mergedAt) ?? .null,
            ])))
        }
        return .object(object)
    }
}
