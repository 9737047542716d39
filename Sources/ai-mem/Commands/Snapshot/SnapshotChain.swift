import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault

/// `snapshot merge` of several files: a full snapshot and its increments, a
/// folder of backups. Each file's metadata is read first (one passphrase, one key
/// derivation for all), then they are merged in chain order — by signer, then
/// sequence — each in its own transaction. A refused file is named and the rest
/// goes on; the command fails if any was refused.
struct SnapshotChain {
    let inputs: [String]
    let vault: SnapshotVault
    let policy: ConflictPolicy
    let dryRun: Bool
    let json: Bool

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Files as given; a folder gives its `*.aimem` files (not hidden ones, not in subfolders), by name.
    static func expand(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            guard isDirectory(argument) else { files.append(argument); continue }
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: argument) } catch {
                throw CommandError("cannot read the folder \(argument): \(error.localizedDescription)", hint: nil)
            }
            files += names.filter { $0.hasSuffix(".aimem") && !$0.hasPrefix(".") }.sorted()
                .map { (argument as NSString).appendingPathComponent($0) }
                .filter { !isDirectory($0) }
        }
        guard !files.isEmpty else { throw CommandError("no snapshot files (*.aimem) in \(arguments.joined(separator: ", "))", hint: nil) }
        return files
    }

    func run(describe: (String, SnapshotReadReport) throws -> Void) throws {
        var ordered: [(file: String, signer: String, sequence: Int64)] = []
        var results: [JSONValue] = []
        var refused = 0
        func refuse(_ file: String, _ error: Error) {
            refused += 1
            let (message, hint) = AIMem.describe(error)
            if json {
                results.append(.object(JSONObject(["file": .string(file), "error": .string(message)])))
            } else {
                Terminal.error("\(file): \(message)", hint: hint)
            }
        }
        for file in inputs {
            do {
                let m = try vault.metadata(of: InputSource(argument: file))
                ordered.append((file, m.exporterKeyID, m.sequence))
            } catch {
                refuse(file, error)
            }
        }
        ordered.sort { ($0.signer, $0.sequence, $0.file) < ($1.signer, $1.sequence, $1.file) }
        let progress = ProgressLine("merging \(ordered.count) snapshots")
        defer { progress.finish() }
        var merged = 0
        for (index, entry) in ordered.enumerated() {
            progress.update(index, total: ordered.count)
            do {
                let report = try vault.merge(InputSource(argument: entry.file), policy: policy, dryRun: dryRun, findSecrets: true)
                merged += 1
                progress.finish()
                if json {
                    var o = JSONObject(["file": .string(entry.file)])
                    if case .object(let r) = SnapshotText.report(report, dryRun: dryRun) { for m in r.members { o.append(m.key, m.value) } }
                    results.append(.object(o))
                } else {
                    try describe(entry.file, report)
                }
            } catch {
                progress.finish()
                refuse(entry.file, error)
            }
        }
        progress.finish()
        if json {
            Terminal.json(.object(JSONObject(["files": .array(results), "merged": .int(merged), "refused": .int(refused)])))
        } else {
            Terminal.err("\(merged) of \(inputs.count) snapshot\(inputs.count == 1 ? "" : "s") merged\(refused > 0 ? ", \(refused) refused" : "")")
        }
        if refused > 0 { throw ExitCode(1) }
    }
}
