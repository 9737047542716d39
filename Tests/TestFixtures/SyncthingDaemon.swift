import Foundation

/// A real Syncthing daemon (Debian's `syncthing`) for a test: its own home, its
/// GUI/REST API and its sync protocol on 127.0.0.1 only, global and local
/// discovery, relays, NAT traversal, usage and crash reporting and upgrades off,
/// and one folder, `team`, shared with the daemons given to `start(peers:)`.
/// Its file watcher is off: the test asks for a rescan (`scan()`) after each change.
public final class SyncthingDaemon: @unchecked Sendable {
    public let home: String
    public let folder: String
    public let deviceID: String
    public let apiPort: Int
    public let listenPort: Int
    private let apiKey = UUID().uuidString
    private var process: Process?

    /// `syncthing generate` in `home` (key and certificate); the folder is created.
    public init(home: String, folder: String) throws {
        self.home = home
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let generated = try Subprocess.run("syncthing", ["generate", "--home=\(home)", "--no-default-folder"], environment: Self.environment(home))
        guard generated.status == 0 else { throw Loopback.Failure(description: "syncthing generate: \(generated.stderr)") }
        let id = try Subprocess.run("syncthing", ["--home=\(home)", "--device-id"], environment: Self.environment(home))
        deviceID = id.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard id.status == 0, deviceID.count == 63 else { throw Loopback.Failure(description: "syncthing --device-id: \(id.stdout)\(id.stderr)") }
        apiPort = try Loopback.freePort()
        listenPort = try Loopback.freePort()
    }

    static func environment(_ home: String) -> [String: String] {
        ["HOME": home, "STNODEFAULTFOLDER": "1", "STNOUPGRADE": "1", "STNORESTART": "1"]
    }

    /// Writes the configuration (this device and `peers`, each at its loopback
    /// address, all sharing `team`) and starts the daemon; returns once its API answers.
    public func start(peers: [SyncthingDaemon]) throws {
        let everyone = [self] + peers
        var xml = "<configuration version=\"36\">\n"
        for d in everyone {
            xml += "  <device id=\"\(d.deviceID)\" name=\"\(d.deviceID.prefix(7))\" compression=\"metadata\"><address>tcp://127.0.0.1:\(d.listenPort)</address></device>\n"
        }
        xml += "  <folder id=\"team\" label=\"team\" path=\"\(folder)\" type=\"sendreceive\" rescanIntervalS=\"3600\" fsWatcherEnabled=\"false\">\n"
        for d in everyone { xml += "    <device id=\"\(d.deviceID)\"></device>\n" }
        xml += "    <minDiskFree unit=\"%\">0</minDiskFree><maxConflicts>10</maxConflicts>\n  </folder>\n"
        xml += "  <gui enabled=\"true\" tls=\"false\"><address>127.0.0.1:\(apiPort)</address><apikey>\(apiKey)</apikey></gui>\n"
        xml += """
          <options><listenAddress>tcp://127.0.0.1:\(listenPort)</listenAddress><globalAnnounceEnabled>false</globalAnnounceEnabled>\
        <localAnnounceEnabled>false</localAnnounceEnabled><relaysEnabled>false</relaysEnabled><natEnabled>false</natEnabled>\
        <urAccepted>-1</urAccepted><crashReportingEnabled>false</crashReportingEnabled><autoUpgradeIntervalH>0</autoUpgradeIntervalH>\
        <startBrowser>false</startBrowser><minHomeDiskFree unit="%">0</minHomeDiskFree><reconnectionIntervalS>1</reconnectionIntervalS></options>

        """
        xml += "</configuration>\n"
        try xml.write(toFile: home + "/config.xml", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["syncthing", "serve", "--home=\(home)", "--no-browser", "--no-restart", "--no-upgrade"]
        process.environment = ProcessInfo.processInfo.environment.merging(Self.environment(home)) { $1 }
        FileManager.default.createFile(atPath: home + "/syncthing.log", contents: nil)
        let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: home + "/syncthing.log"))
        process.standardOutput = logFile
        process.standardError = logFile
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let answer = try? rest("GET", "/rest/system/ping"), answer.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Loopback.Failure(description: "syncthing did not answer on 127.0.0.1:\(apiPort); log: \(log())")
    }

    /// The daemon's log so far (for a failing test's message).
    public func log() -> String { (try? String(contentsOfFile: home + "/syncthing.log", encoding: .utf8)) ?? "" }

    /// A REST call with this daemon's API key.
    @discardableResult
    public func rest(_ method: String, _ path: String, body: String = "") throws -> (status: Int, body: String) {
        try Loopback.request(method, port: apiPort, path: path, headers: ["X-API-Key": apiKey, "Content-Type": "application/json"], body: body)
    }

    /// Rescans the folder now (returns when the scan is done), so a change is announced to the peers.
    public func scan() throws {
        let answer = try rest("POST", "/rest/db/scan?folder=team")
        guard answer.status == 200 else { throw Loopback.Failure(description: "scan: \(answer)") }
    }

    /// Pauses or resumes the folder (its connections stay up); a resumed folder
    /// rescans and exchanges its index with the peers at once.
    public func pauseFolder(_ paused: Bool) throws {
        let answer = try rest("PATCH", "/rest/config/folders/team", body: "{\"paused\": \(paused)}")
        guard answer.status == 200 else { throw Loopback.Failure(description: "pause: \(answer)") }
    }

    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Every regular file under `folder` (relative path → size), Syncthing's own
    /// `.stfolder` marker left out.
    public func files() -> [String: Int] {
        var result: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return result }
        while let path = walker.nextObject() as? String {
            if path == ".stfolder" { walker.skipDescendants(); continue }
            let attributes = walker.fileAttributes
            if attributes?[.type] as? FileAttributeType == .typeRegular { result[path] = (attributes?[.size] as? Int) ?? -1 }
        }
        return result
    }

    /// Waits until every daemon's folder holds the same files (names and sizes)
    /// and `until` holds for that listing; throws after `timeout` seconds.
    public static func waitUntilAlike(_ daemons: [SyncthingDaemon], timeout: Double = 90,
                                      until: ([String: Int]) -> Bool = { _ in true }) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var listings: [[String: Int]] = []
        while Date() < deadline {
            listings = daemons.map { $0.files() }
            if listings.dropFirst().allSatisfy({ $0 == listings[0] }), until(listings[0]) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Loopback.Failure(description: "the Syncthing folders did not converge in \(Int(timeout)) s: \(listings)")
    }
}
