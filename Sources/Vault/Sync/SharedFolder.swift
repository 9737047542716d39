import AIMemCore
import Foundation
import MemoryStore

/// A folder that an existing sync engine carries (a git repository, Syncthing,
/// rclone, a network share), holding immutable snapshot files (docs/FORMAT.md §8):
///
///     DIR/<signer key id>/<sequence>-<snapshot id>.aimem
///
/// Each subfolder is written by one signer only, each file once: a file appears
/// complete under its final name (an anonymous file linked into place) and is never
/// changed, so no two writers ever touch one name and the engines have nothing to
/// merge. Anything else in the folder — the engines' temporary and conflict files,
/// partial downloads, notes — is left alone and counted.
public struct SharedFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// A snapshot file of the folder, as its name and subfolder say (not yet read).
    public struct Entry: Sendable, Equatable {
        public var signerKeyID: String
        public var sequence: Int64
        public var snapshotID: String
        public var path: String
        public var name: String { (path as NSString).lastPathComponent }
    }

    /// What a listing found.
    public struct Listing: Sendable {
        public var entries: [Entry] = []
        /// Files and folders that are not snapshot files of this layout (conflict copies, temporaries, …).
        public var otherFiles = 0
    }

    /// `<sequence>-<snapshot id>.aimem`: the sequence in decimal (1 … 2⁶³−1, no
    /// leading zero), the snapshot id of 1–200 characters `0–9 A–Z a–z -`.
    public static func fileName(sequence: Int64, snapshotID: String) -> String { "\(sequence)-\(snapshotID).aimem" }

    static func parse(name: String) -> (sequence: Int64, snapshotID: String)? {
        guard name.hasSuffix(".aimem"), !name.hasPrefix(".") else { return nil }
        let stem = name.dropLast(".aimem".count)
        guard let dash = stem.firstIndex(of: "-") else { return nil }
        let digits = stem[..<dash], id = stem[stem.index(after: dash)...]
        guard !digits.isEmpty, digits.count <= 19, digits.first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let sequence = Int64(digits), sequence >= 1 else { return nil }
        guard (1...200).contains(id.utf8.count), id.utf8.allSatisfy({ b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D
        }) else { return nil }
        return (sequence, String(id))
    }

    /// Every snapshot file, by signer and then sequence. Subfolders must be named by
    /// a key id (16 characters `0–9 a–f`); symbolic links are not followed.
    public func list() throws -> Listing {
        var listing = Listing()
        let fm = FileManager.default
        let top: [String]
        do { top = try fm.contentsOfDirectory(atPath: path) } catch {
            throw VaultError.io(IOError(path: path, reason: "cannot read the shared folder (\(error.localizedDescription))"))
        }
        for folder in top.sorted() {
            let folderPath = (path as NSString).appendingPathComponent(folder)
            guard AuthorClaim.isKeyID(folder), Self.isRealDirectory(folderPath) else {
                if !folder.hasPrefix(".") { listing.otherFiles += 1 }  // .git, .stfolder, .stversions are the engines' own
                continue
            }
            for name in ((try? fm.contentsOfDirectory(atPath: folderPath)) ?? []).sorted() {
                let file = (folderPath as NSString).appendingPathComponent(name)
                guard let (sequence, id) = Self.parse(name: name), Self.isRegularFile(file) else { listing.otherFiles += 1; continue }
                listing.entries.append(Entry(signerKeyID: folder, sequence: sequence, snapshotID: id, path: file))
            }
        }
        listing.entries.sort { ($0.signerKeyID, $0.sequence, $0.snapshotID) < ($1.signerKeyID, $1.sequence, $1.snapshotID) }
        return listing
    }

    /// The subfolder a signer writes (created 0700 when missing).
    public func folder(of keyID: String) throws -> String {
        let folder = (path as NSString).appendingPathComponent(keyID)
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw VaultError.io(IOError(path: folder, reason: error.localizedDescription))
        }
        return folder
    }

    static func isRealDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
