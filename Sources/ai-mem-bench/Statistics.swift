import Foundation

/// Medians and percentiles of measured samples.
enum Statistics {
    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        precondition(!samples.isEmpty)
        let sorted = samples.sorted()
        // Nearest rank.
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        let n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

/// One measured operation: the median of its runs.
struct Measurement {
    var name: String
    var seconds: [Double]
    var peakRSSBytes: [Int]
    var records: Int
    var bytes: Int

    var median: Double { Statistics.median(seconds) }
    var peakRSSMB: Double { Double(peakRSSBytes.max() ?? 0) / 1_048_576 }

    func row() -> String {
        let s = median
        let rate = s > 0 ? Double(records) / s : 0
        let mbps = s > 0 ? Double(bytes) / 1_000_000 / s : 0
        return name.padded(to: 30) + String(format: "%8.3f s %9.0f rec/s %7.1f MB/s %7.1f MB   runs: ", s, rate, mbps, peakRSSMB)
            + seconds.map { String(format: "%.3f", $0) }.joined(separator: " ")
    }
}

extension String {
    func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
