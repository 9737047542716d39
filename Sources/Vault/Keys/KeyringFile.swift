import AIMemCore
import Foundation
import MemoryStore

/// The keyring's text form: an INI-like file a person can read and check.
///
///     # comment
///     [bob]
///     key_id = 3f2a9c01d4e5b6a7
///     public_key = ai-mem-pk1:…
///     added_at = 2026-11-25T10:00:00Z
///     status = trusted            (or: revoked)
///     revoked_at = …              (revoked entries)
///     revoked_reason = …          (optional)
///     rotated_from = <key id>     (optional, with rotated_at)
///     mine = true                 (optional: another device of yours)
///     previous_key = <key line> <until date> [compromised]   (repeated, oldest first)
///     candidate_key = <key line>  (repeated; disputed entries)
///     confirmed_key = <key id>    (optional)
///
/// Reading is strict — unknown fields, a key id that does not match its key,
/// duplicate names or keys are errors naming the line — because a keyring that
/// was tampered with must not be half-believed.
public enum KeyringFile {
    public static let maximumBytes = 1 << 20

    public static func encode(_ keyring: Keyring) -> String {
        var lines = [
            "# ai-mem keyring: the public keys whose snapshots you accept.",
            "# Managed by `ai-mem keys trust/revoke/remove`; hand edits are checked when read.",
        ]
        for e in keyring.entries {
            lines.append("")
            lines.append("[\(e.name)]")
            lines.append("key_id = \(e.keyID)")
            lines.append("public_key = \(e.publicIdentity.keyLine)")
            lines.append("added_at = \(DateParsing.format(e.addedAt))")
            switch e.status {
            case .trusted:
                lines.append("status = trusted")
            case .revoked(let at, let reason):
                lines.append("status = revoked")
                lines.append("revoked_at = \(DateParsing.format(at))")
                if let reason, !reason.isEmpty { lines.append("revoked_reason = \(Keyring.singleLine(reason))") }
            case .disputed:
                lines.append("status = disputed")
            }
            if let from = e.rotatedFrom {
                lines.append("rotated_from = \(from)")
                if let at = e.rotatedAt { lines.append("rotated_at = \(DateParsing.format(at))") }
            }
            if e.isMine {
                lines.append("mine = true")
            }
            for p in e.previousKeys {
                lines.append("previous_key = \(p.publicIdentity.keyLine) \(DateParsing.format(p.until))\(p.compromised ? " compromised" : "")")
            }
            for c in e.candidateKeys { lines.append("candidate_key = \(c.keyLine)") }
            if let confirmed = e.confirmedKeyID { lines.append("confirmed_key = \(confirmed)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func decode(_ text: String, path: String) throws(VaultError) -> Keyring {
        guard text.utf8.count <= maximumBytes else {
            throw .malformedKeyring(path: path, line: 1, reason: "larger than \(maximumBytes) bytes")
        }
        var keyring = Keyring()
        var current: (name: String, line: Int, fields: [String: (value: String, line: Int)], repeated: [(field: String, value: String, line: Int)])? = nil

        func finish() throws(VaultError) {
            guard let section = current else { return }
            func fail(_ reason: String, _ line: Int? = nil) -> VaultError {
                .malformedKeyring(path: path, line: line ?? section.line, reason: "[\(section.name)]: \(reason)")
            }
            guard let keyLine = section.fields["public_key"] else { throw fail("no public_key") }
            let key: PublicIdentity
            do { key = try PublicIdentity(keyLine: keyLine.value) } catch { throw fail(error.message, keyLine.line) }
            if let id = section.fields["key_id"], id.value != key.keyID {
                throw fail("key_id \(id.value) does not match the public key (its id is \(key.keyID))", id.line)
            }
            func time(_ field: String) throws(VaultError) -> Double? {
                guard let f = section.fields[field] else { return nil }
                guard let t = DateParsing.iso8601(f.value) else { throw fail("\(field) is not a date", f.line) }
                // Whole seconds, as the file is written.
                return t.rounded(.down)
            }
            let addedAt = try time("added_at") ?? 0
            func mine() throws(VaultError) -> Bool {
                guard let field = section.fields["mine"] else { return false }
                guard field.value == "true" else { throw fail("mine must be true when present", field.line) }
                return true
            }
            let status: KeyringEntry.Status
            switch section.fields["status"]?.value {
            case "trusted"?, nil:
                status = .trusted
            case "revoked"?:
                guard let at = try time("revoked_at") else { throw fail("a revoked entry needs revoked_at") }
                // Reasons are free text kept on one line; an empty one is no reason.
                let reason = section.fields["revoked_reason"].map { Keyring.singleLine($0.value) }
                status = .revoked(at: at, reason: reason?.isEmpty == false ? reason : nil)
            case "disputed"?:
                status = .disputed
            case let other?:
                throw fail("unknown status \"\(other)\" (trusted, revoked or disputed)", section.fields["status"]?.line)
            }
            if let existing = keyring.entry(holding: key) {
                throw fail("the same key is already listed as \(existing.name)", keyLine.line)
            }
            var seen = [key]
            func unique(_ k: PublicIdentity, _ line: Int) throws(VaultError) {
                if let existing = keyring.entry(holding: k) { throw fail("the same key is already listed as \(existing.name)", line) }
                guard !seen.contains(where: { $0.constantTimeEquals(k) }) else { throw fail("the same key is listed twice in this entry", line) }
                seen.append(k)
            }
            var previous: [PreviousKey] = []
            var candidates: [PublicIdentity] = []
            for r in section.repeated {
                let parts = r.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                if r.field == "previous_key" {
                    guard parts.count == 2 || (parts.count == 3 && parts[2] == "compromised") else {
                        throw fail("previous_key must be `<public key> <date>` or `<public key> <date> compromised`", r.line)
                    }
                    let k: PublicIdentity
                    do { k = try PublicIdentity(keyLine: parts[0]) } catch { throw fail("previous_key: \(error.message)", r.line) }
                    guard let until = DateParsing.iso8601(parts[1]) else { throw fail("previous_key: \(parts[1]) is not a date", r.line) }
                    try unique(k, r.line)
                    previous.append(PreviousKey(publicIdentity: k, until: until.rounded(.down), compromised: parts.count == 3))
                } else {
                    guard status == .disputed else { throw fail("candidate_key in an entry that is not disputed", r.line) }
                    let k: PublicIdentity
                    do { k = try PublicIdentity(keyLine: r.value) } catch { throw fail("candidate_key: \(error.message)", r.line) }
                    try unique(k, r.line)
                    candidates.append(k)
                }
            }
            let confirmed = section.fields["confirmed_key"]
            if let confirmed, !(previous.map(\.keyID) + [key.keyID]).contains(confirmed.value) {
                throw fail("confirmed_key \(confirmed.value) is neither the public key nor a previous key of this entry", confirmed.line)
            }
            keyring = Keyring(entries: keyring.entries + [KeyringEntry(
                name: section.name, publicIdentity: key, addedAt: addedAt, status: status,
                rotatedFrom: section.fields["rotated_from"]?.value, rotatedAt: try time("rotated_at"), isMine: try mine(),
                previousKeys: previous, candidateKeys: candidates, confirmedKeyID: confirmed?.value)])
        }

        let known: Set<String> = ["key_id", "public_key", "added_at", "status", "revoked_at", "revoked_reason", "rotated_from", "rotated_at", "mine", "confirmed_key"]
        let repeatable: Set<String> = ["previous_key", "candidate_key"]
        var lineNumber = 0
        for rawLine in TextLines.split(text) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if line.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) {
                throw .malformedKeyring(path: path, line: lineNumber, reason: "a control character")
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count >= 3 else {
                    throw .malformedKeyring(path: path, line: lineNumber, reason: "a section header must look like [name]")
                }
                try finish()
                let name = String(line.dropFirst().dropLast())
                guard Keyring.isValidName(name) else {
                    throw .malformedKeyring(path: path, line: lineNumber, reason: "invalid name \"\(name)\"")
                }
                guard keyring.entry(named: name) == nil else {
                    throw .malformedKeyring(path: path, line: lineNumber, reason: "duplicate name \(name)")
                }
                current = (name, lineNumber, [:], [])
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw .malformedKeyring(path: path, line: lineNumber, reason: "expected `field = value` or [name]")
            }
            guard current != nil else {
                throw .malformedKeyring(path: path, line: lineNumber, reason: "a field before any [name] section")
            }
            let field = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if repeatable.contains(field) {
                guard current != nil else {
                    throw .malformedKeyring(path: path, line: lineNumber, reason: "a field before any [name] section")
                }
                current!.repeated.append((field, value, lineNumber))
                continue
            }
            guard known.contains(field) else {
                throw .malformedKeyring(path: path, line: lineNumber, reason: "unknown field \"\(field)\"")
            }
            guard current!.fields[field] == nil else {
                throw .malformedKeyring(path: path, line: lineNumber, reason: "\(field) given twice")
            }
            current!.fields[field] = (value, lineNumber)
        }
        try finish()
        return keyring
    }
}
