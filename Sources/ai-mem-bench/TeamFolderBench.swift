import AIMemCore
import Foundation

/// Step 9 of the benchmark (issue 15, items 5 and 7): a generated team folder of
/// `signers` teammates × `increments` one-memory increments each, all addressed
/// to alice (the 100k store) and erin (a newcomer with an empty store). Erin's first
/// sync merges every file; alice's later syncs with nothing new read none; then 20
/// teammates publish one increment each and alice's sync merges those 20 (the
/// hourly case of docs/design/sync-at-scale.md).
struct TeamFolderFigures {
    var signers = 0
    var files = 0
    var folderBytes = 0
    /// Erin's first sync: every file merged into an empty store.
    var firstSyncSeconds = 0.0
    var firstSyncRSSBytes = 0
    /// Alice's sync with nothing new (median).
    var noopMS = 0.0
    /// Alice's sync with 20 new files from 20 signers (median).
    var twentyNewMS = 0.0
    var twentyNewBytes = 0
    /// How many new files that sync found (20, or every signer when fewer).
    var newFiles = 0
}

extension Bench {
    /// Teammates and increments for `files` files: 50 × 40 for 2 000 files, fewer signers for fewer files.
    static func teamShape(files: Int) -> (signers: Int, increments: Int) {
        let signers = min(50, max(1, files / 40))
        return (signers, max(1, files / signers))
    }

    func measureTeamFolder(files: Int) throws -> TeamFolderFigures {
        var figures = TeamFolderFigures()
        let (signers, increments) = Self.teamShape(files: files)
        figures.signers = signers
        let team = work + "/team"
        try FileManager.default.createDirectory(atPath: team, withIntermediateDirectories: true)
        let erin = home("erin")
        try aiMem("keys", "generate", "--name", "erin", "--no-passphrase", home: erin)
        try aiMem("keys", "show", home: erin, stdout: work + "/erin.pub")
        let names = (0..<signers).map { String(format: "mate%02d", $0) }

        // Generation (not timed): each teammate on its own scratch, two at a time.
        log("\(signers) teammates publish \(increments) increments each to the shared folder")
        let failure = Locked<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for index in stride(from: worker, to: signers, by: 2) where failure.withLock({ $0 }) == nil {
                do {
                    let mate = home(names[index])
                    func run(_ arguments: String..., stdout: String = "/dev/null") throws {
                        try FileManager.default.createDirectory(atPath: mate, withIntermediateDirectories: true)
                        try ChildProcess.check([aiMem] + arguments + ["--home", mate], environment: ["AI_MEM_EMBEDDER": "lexical"], stdout: stdout, scratch: mate)
                    }
                    try run("keys", "generate", "--name", names[index], "--no-passphrase")
                    try run("keys", "show", stdout: work + "/\(names[index]).pub")
                    // Teammates publish to alice and erin without reading the folder
                    // themselves (they trust nobody): the figures are alice's and erin's.
                    for i in 0..<increments {
                        try run("add", "\(names[index])'s note \(i): the on-call rotation moved to Thursdays; ask in #ops before deploying")
                        try run("sync", team, "--to", work + "/alice.pub", "--to", work + "/erin.pub")
                    }
                } catch { failure.withLock { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        for name in names {
            try aiMem("keys", "trust", work + "/\(name).pub", "--name", name, home: home("alice"))
            try aiMem("keys", "trust", work + "/\(name).pub", "--name", name, home: erin)
        }
        figures.files = signers * increments
        figures.folderBytes = folderSize(team)

        // The newcomer's first sync: every file, into an empty store.
        log("a newcomer merges the \(figures.files) files")
        let first = try aiMem("sync", team, home: erin)
        figures.firstSyncSeconds = first.seconds
        figures.firstSyncRSSBytes = first.peakRSSBytes

        // Alice merges them once (and publishes her store), then syncs with nothing new.
        log("alice merges them (and publishes her store once)")
        try aiMem("sync", team, home: home("alice"))
        var noop: [Double] = []
        for _ in 0..<max(3, options.runs) { noop.append(try aiMem("sync", team, home: home("alice")).seconds * 1000) }
        figures.noopMS = Statistics.percentile(noop, 50)

        // The hourly case: 20 teammates publish one increment each; alice's sync merges them.
        var twenty: [Double] = []
        figures.newFiles = min(20, signers)
        for round in 0..<max(3, options.runs) {
            let before = folderSize(team)
            for name in names.prefix(20) {
                try aiMem("add", "\(name)'s hourly note \(round): the staging database was restored", home: home(name))
                try aiMem("sync", team, "--to", work + "/alice.pub", "--to", work + "/erin.pub", home: home(name))
            }
            figures.twentyNewBytes = folderSize(team) - before
            twenty.append(try aiMem("sync", team, home: home("alice")).seconds * 1000)
            try aiMem("sync", team, home: home("alice"))  // her own increment of what she merged, outside the timing
        }
        figures.twentyNewMS = Statistics.percentile(twenty, 50)
        if !options.keep {
            remove(team)
            remove(erin)
            for name in names { remove(home(name)) }
        }
        return figures
    }

    func folderSize(_ path: String) -> Int {
        var total = 0
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let name = walker.nextObject() as? String { total += fileSize(path + "/" + name) }
        }
        return total
    }
}
