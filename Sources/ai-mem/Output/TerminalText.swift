/// Text from a store, a snapshot, a keyring or a key file made safe to print on a
/// terminal (as OpenSSH's `strnvis` does): control characters, DEL, C1 controls,
/// bidirectional overrides and other invisible format characters are shown as
/// escapes (`\x1b`, `\u{202e}`), so a crafted name cannot move the cursor, recolour
/// or hide text, write the clipboard (OSC 52), or forge a line. `--json` output is
/// exact instead (JSON escaping).
enum TerminalText {
    /// Newlines and tabs kept (bodies: a memory's content, our own multi-line output).
    static func safe(_ text: String) -> String { escape(text, keepLayout: true) }

    /// One line: newlines, carriage returns and tabs escaped too (names, ids, titles).
    static func oneLine(_ text: String) -> String { escape(text, keepLayout: false) }

    static func escape(_ text: String, keepLayout: Bool) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0, keepLayout: keepLayout) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar, keepLayout: keepLayout) {
                let code = scalar.value
                let shown = code < 0x100 ? "\\x" + (code < 0x10 ? "0" : "") + String(code, radix: 16) : "\\u{" + String(code, radix: 16) + "}"
                out.append(contentsOf: shown.unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func needsEscape(_ s: Unicode.Scalar, keepLayout: Bool) -> Bool {
        switch s.value {
        case 0x0A, 0x09: return !keepLayout
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200D: return false  // zero-width joiner: part of emoji sequences
        case 0x2028, 0x2029: return true  // line and paragraph separators
        default: return s.properties.generalCategory == .format
        }
    }
}
