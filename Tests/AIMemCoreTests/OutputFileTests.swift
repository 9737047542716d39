import Foundation
import Testing
@testable import AIMemCore

/// A file output (temporary file, sync, rename) starts the kernel's writeback as it
/// goes, every 8 MiB: the bytes that arrive are exactly the bytes written, in
/// pieces of every size, and nothing is left behind but the file.
struct OutputFileTests {
    @Test func aLargeFileArrivesWholeWithWritebackStartedAsItGoes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("out.bin").path
        var expected: [UInt8] = []
        var state: UInt32 = 1
        let written = try OutputDestination.file(path).write { sink -> Int in
            // 21 MiB and a little, in pieces of 1 byte to 1.5 MiB.
            var sizes = [1, 65_536, 1_572_864, 3, 8 << 20, 17, (8 << 20) + 5, 300_000]
            sizes += [(21 << 20) + 11 - sizes.reduce(0, +)]
            for size in sizes {
                let piece = (0..<size).map { _ -> UInt8 in
                    state = state &* 1_103_515_245 &+ 12_345
                    return UInt8(truncatingIfNeeded: state >> 16)
                }
                expected += piece
                try sink.write(piece)
            }
            try sink.flush()
            return sink.bytesWritten
        }
        #expect(written == (21 << 20) + 11)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.bin"])
    }
}
