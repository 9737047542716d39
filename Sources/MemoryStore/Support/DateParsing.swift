import Foundation

/// Dates accepted on the command line and in imported files.
public enum DateParsing {
    /// Epoch seconds from ISO 8601 ("2026-11-25", "2026-11-25T10:00:00Z", with
    /// fractional seconds or an offset); nil when the text is none of those.
    public static func iso8601(_ text: String) -> Double? {
        let full = ISO8601DateFormatter()
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = full.date(from: text) { return d.timeIntervalSince1970 }
        full.formatOptions = [.withInternetDateTime]
        if let d = full.date(from: text) { return d.timeIntervalSince1970 }
        // Python's isoformat() without an offset: read as UTC.
        for format in ["yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd"] {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = format
            if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        }
        return nil
    }

    /// A `--since` value: an ISO 8601 date or time, epoch seconds, or a duration
    /// back from `now` such as "30m", "12h", "7d", "2w".
    public static func since(_ text: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unit = trimmed.last, "smhdw".contains(unit), let amount = Double(trimmed.dropLast()), amount >= 0, amount.isFinite {
            let seconds: Double = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800][String(unit)]!
            return now - amount * seconds
        }
        if let epoch = Double(trimmed), epoch.isFinite { return epoch }
        return iso8601(trimmed)
    }

    /// "2026-11-25T10:00:00Z" (UTC, whole seconds) for human output.
    public static func format(_ epoch: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: epoch))
    }
}
