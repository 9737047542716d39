import Foundation
import TestFixtures
import Testing

/// The library products are usable by another package: scripts/check-package-use.sh
/// builds a throw-away package that depends on this tree by version through a
/// local git URL (SwiftPM refuses that for a package with unsafe flags) and runs it.
struct PackageUseTests {
    @Test func aPackageDependingOnThisOneByVersionBuildsAndRuns() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Fixtures.repositoryRoot.appendingPathComponent("scripts/check-package-use.sh").path]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-package-use-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let log = try String(contentsOf: output, encoding: .utf8)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("consumer: found 1 memory"))
        #expect(log.hasSuffix("package-use: ok\n"), "\(log)")
    }
}
