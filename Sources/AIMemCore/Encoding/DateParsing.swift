import Foundation

/// Dates accepted on the command line and in imported files. Parsed and printed
/// by hand (proleptic Gregorian, UTC): no locale, no formatter state.
package enum DateParsing {
    /// Epoch seconds from ISO 8601: "2026-11-25", "2026-11-25T10:00:00Z", with a
    /// space instead of "T", fractional seconds, "Z" or an offset such as "+02:00";
    /// without a zone, UTC (as Python's `isoformat()` writes naive times). nil otherwise.
    package static func iso8601(_ text: String) -> Double? {
        let c = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= c.count else { return nil }
            var n = 0
            for k in 0..<digits {
                let d = c[i + k]
                guard d >= 0x30 && d <= 0x39 else { return nil }
                n = n * 10 + Int(d - 0x30)
            }
            i += digits
            return n
        }
        func expect(_ ch: UInt8) -> Bool {
            guard i < c.count, c[i] == ch else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(0x2D), let month = number(2), expect(0x2D), let day = number(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86400
        if i == c.count { return seconds }
        guard c[i] == UInt8(ascii: "T") || c[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = number(2), expect(0x3A), let minute = number(2), expect(0x3A), let second = number(2),
              hour < 24, minute < 60, second < 61 else { return nil }
        seconds += Double(hour * 3600 + minute * 60 + second)
        if i < c.count, c[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1, fraction = 0.0, digits = 0
            while i < c.count, c[i] >= 0x30 && c[i] <= 0x39, digits < 9 {
                fraction += Double(c[i] - 0x30) * scale
                scale /= 10
                i += 1
                digits += 1
            }
            guard digits > 0 else { return nil }
            seconds += fraction
        }
        if i == c.count { return seconds }
        if c[i] == UInt8(ascii: "Z") { return i + 1 == c.count ? seconds : nil }
        guard c[i] == UInt8(ascii: "+") || c[i] == UInt8(ascii: "-") else { return nil }
        let sign = c[i] == UInt8(ascii: "+") ? -1.0 : 1.0
        i += 1
        guard let oh = number(2), expect(0x3A), let om = number(2), oh < 24, om < 60, i == c.count else { return nil }
        return seconds + sign * Double(oh * 3600 + om * 60)
    }

    /// A `--since` value: an ISO 8601 date or time, epoch seconds, or a duration
    /// back from `now` such as "30m", "12h", "7d", "2w".
    package static func since(_ text: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let unit = trimmed.last, "smhdw".contains(unit), let amount = Double(trimmed.dropLast()), amount >= 0, amount.isFinite {
            let seconds: Double = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800][String(unit)]!
            return now - amount * seconds
        }
        if let epoch = Double(trimmed), epoch.isFinite { return epoch }
        return iso8601(trimmed)
    }

    /// "2026-11-25T10:00:00Z" (UTC, whole seconds) for human output and the keyring.
    package static func format(_ epoch: Double) -> String {
        guard epoch.isFinite, abs(epoch) < 1e14 else { return "invalid-date" }
        let total = Int(epoch.rounded(.down))
        var days = total / 86400, rest = total % 86400
        if rest < 0 { rest += 86400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let year = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(year)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
