#if canImport(Glibc)
import AIMemCore
import Glibc
#endif
import Foundation
import MemoryStore
import Sodium

/// The key material in an ai-mem home:
/// - `identity.key`: your identity's secret half (0600);
/// - `retired-keys/<key id>.key`: identities replaced by `keys rotate`, kept to
///   read snapshots already encrypted to them;
/// - `keyring.txt`: teammates' public keys;
/// - `rotation-statement.txt`: the last statement `keys rotate` made.
public final class KeyStore: Sendable {
    public let home: Home
    /// The keyring last read, with the identity of the file it came from: a command
    /// that opens many snapshots (a sync, a chain merge) parses the keyring once, and
    /// any change to the file (content, owner, mode: its ctime) reads it again.
    private let keyringCache = Locked<(file: FileIdentity, keyring: Keyring)?>(nil)

    public init(home: Home) {
        self.home = home
    }

    /// Device, inode, size, modification and status-change times of a file (lstat).
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64

        init?(path: String) {
            var st = stat()
            guard lstat(path, &st) == 0 else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
            size = Int64(st.st_size)
            modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
        }
    }

    public var identityPath: String { home.url.appendingPathComponent("identity.key").path }
    public var keyringPath: String { home.url.appendingPathComponent("keyring.txt").path }
    public var retiredDirectory: String { home.url.appendingPathComponent("retired-keys").path }
    public var rotationStatementPath: String { home.url.appendingPathComponent("rotation-statement.txt").path }
    public var revocationStatementPath: String { home.url.appendingPathComponent("revocation-statement.txt").path }
    var lockPath: String { home.url.appendingPathComponent(".keys.lock").path }

    public var hasIdentity: Bool { FileManager.default.fileExists(atPath: identityPath) }

    // MARK: Identity

    /// Reads your key file (no passphrase needed): refuses a file others can read.
    public func identityFile() throws(VaultError) -> SecretKeyFile {
        guard hasIdentity else { throw .noIdentity(home: home.path) }
        return try Self.readKeyFile(identityPath)
    }

    /// Creates a new identity; never overwrites an existing one.
    public func generate(name: String, passphrase: SecretBytes?, limits: PasswordHash.Limits, now: Double = Date().timeIntervalSince1970) throws -> SecretKeyFile {
        guard Keyring.isValidNewName(name) else { throw VaultError.invalidName(name) }
        do { try home.ensureExists() } catch { throw VaultError.io(error) }
        return try withLock { () throws -> SecretKeyFile in
            guard !hasIdentity else { throw VaultError.identityExists(path: identityPath) }
            let file = try SecretKeyFile.seal(SecretIdentity.generate(), name: name, createdAt: now, passphrase: passphrase, limits: limits)
            try Self.createExclusively(identityPath, bytes: file.encoded())
            return file
        }
    }

    /// Your identity, unlocked.
    public func unlock(_ passphrases: PassphraseSources) throws -> SecretIdentity {
        let file = try identityFile()
        return try file.open(passphrase: file.isProtected ? passphrases.obtain(purpose: "unlock your key \(file.keyID)") : nil)
    }

    /// Re-encrypts your identity under a new passphrase (nil: none); the key id is
    /// unchanged. Your retired keys that open with the current passphrase are
    /// re-encrypted beside it, with the same salt (one derivation opens them all).
    public func changePassphrase(current: PassphraseSources, new newPassphrase: SecretBytes?, limits: PasswordHash.Limits) throws -> SecretKeyFile {
        try withLock { () throws -> SecretKeyFile in
            let file = try identityFile()
            let keys = UnlockedKeys()
            let passphrase = file.isProtected ? try current.obtain(purpose: "unlock your key \(file.keyID)") : nil
            let identity = try file.open(passphrase: passphrase, keys: keys)
            let resealed = try SecretKeyFile.seal(identity, name: file.name, createdAt: file.createdAt, passphrase: newPassphrase, limits: limits)
            try Self.replace(identityPath, bytes: resealed.encoded())
            try resealRetired(beside: resealed, opening: passphrase, sealing: newPassphrase, keys: keys)
            return resealed
        }
    }

    /// Re-encrypts every retired key that opens with `opening` under `sealing`, with
    /// the salt and limits of `identity` (a retired key that does not open is left as it is).
    private func resealRetired(beside identity: SecretKeyFile, opening: SecretBytes?, sealing: SecretBytes?, keys: UnlockedKeys) throws {
        let kdf = identity.kdf
        for var file in try retiredKeyFiles() {
            guard let secret = try? file.open(passphrase: file.isProtected ? opening : nil, keys: keys) else { continue }
            let retirement = file.retirement
            file = try SecretKeyFile.seal(secret, name: file.name, createdAt: file.createdAt, passphrase: sealing,
                                          limits: kdf?.limits ?? .moderate, salt: kdf?.salt, keys: keys)
            file.retirement = retirement
            try Self.replace(retiredDirectory + "/\(file.keyID).key", bytes: file.encoded())
        }
    }

    /// What `keys rotate` made.
    public struct Rotation: Sendable {
        public var newKey: SecretKeyFile
        public var oldKeyID: String
        /// A routine rotation: the statement teammates apply to follow you.
        public var rotationStatement: RotationStatement?
        /// A rotation after a compromise: the old key's revocation of itself.
        public var revocationStatement: RevocationStatement?
    }

    /// Makes a new identity and retires the old one (kept under `retired-keys/`,
    /// with the time and the reason). Routine: returns the rotation statement
    /// signed by the old key, and the old key still counts as yours for snapshots
    /// it made until now. `compromised`: the old key never counts as yours again,
    /// and the statement returned is its revocation — a rotation statement would
    /// prove nothing, since the thief can sign one too.
    /// The new key is protected like the old one, with the same passphrase.
    public func rotate(passphrases: PassphraseSources, limits: PasswordHash.Limits, compromised: Bool = false,
                       now: Double = Date().timeIntervalSince1970) throws -> Rotation {
        try withLock { () throws -> Rotation in
            let oldFile = try identityFile()
            let keys = UnlockedKeys()
            let passphrase = oldFile.isProtected ? try passphrases.obtain(purpose: "unlock your key \(oldFile.keyID)") : nil
            let old = try oldFile.open(passphrase: passphrase, keys: keys)
            let newIdentity = SecretIdentity.generate()
            let newFile = try SecretKeyFile.seal(newIdentity, name: oldFile.name, createdAt: now, passphrase: passphrase, limits: limits, keys: keys)
            let time = UInt64(max(0, now))
            var rotation = Rotation(newKey: newFile, oldKeyID: oldFile.keyID)
            if compromised {
                rotation.revocationStatement = try RevocationStatement.make(revoking: old, time: time)
            } else {
                rotation.rotationStatement = try RotationStatement.make(from: old, to: newIdentity.publicIdentity, time: time)
            }
            try Self.makeDirectory(retiredDirectory)
            var retired = oldFile
            retired.retirement = .init(at: now, reason: compromised ? .compromised : .routine)
            try Self.createExclusively(retiredDirectory + "/\(oldFile.keyID).key", bytes: retired.encoded())
            try Self.replace(identityPath, bytes: newFile.encoded())
            // Every retired key beside the new identity, with its salt: one derivation opens them all.
            try resealRetired(beside: newFile, opening: passphrase, sealing: passphrase, keys: keys)
            if let statement = rotation.rotationStatement {
                try Self.replace(rotationStatementPath, bytes: Array((statement.text + "\n").utf8), mode: 0o600)
            }
            if let statement = rotation.revocationStatement {
                try Self.replace(revocationStatementPath, bytes: Array((statement.text + "\n").utf8), mode: 0o600)
            }
            return rotation
        }
    }

    /// Marks a retired key of yours compromised and returns its revocation of
    /// itself, for teammates to apply (it was rotated routinely, and later found
    /// stolen). Your current key is refused: `rotate(compromised: true)` replaces it.
    public func revokeRetiredKey(_ spec: String, passphrases: PassphraseSources,
                                 now: Double = Date().timeIntervalSince1970) throws -> RevocationStatement {
        try withLock { () throws -> RevocationStatement in
            let current = try identityFile()
            let lowered = spec.lowercased()
            if current.keyID == lowered || (lowered.count >= 4 && current.keyID.hasPrefix(lowered)) {
                throw VaultError.revokeCurrentKey(keyID: current.keyID)
            }
            let retired = try ownKeys().filter { !$0.isCurrent }
            let matches = retired.filter { $0.file.keyID == lowered || (lowered.count >= 4 && $0.file.keyID.hasPrefix(lowered)) }
            guard matches.count == 1, let target = matches.first else {
                throw matches.isEmpty ? VaultError.unknownRetiredKey(spec) : VaultError.ambiguousKey(spec)
            }
            var file = target.file
            let passphrase = file.isProtected ? try passphrases.obtain(purpose: "unlock your retired key \(file.keyID)") : nil
            let identity = try file.open(passphrase: passphrase)
            let statement = try RevocationStatement.make(revoking: identity, time: UInt64(max(0, now)))
            file.retirement = .init(at: target.until ?? now, reason: .compromised)
            try Self.replace(retiredDirectory + "/\(file.keyID).key", bytes: file.encoded())
            try Self.replace(revocationStatementPath, bytes: Array((statement.text + "\n").utf8), mode: 0o600)
            return statement
        }
    }

    /// Identities replaced by rotation, oldest first.
    public func retiredKeyFiles() throws(VaultError) -> [SecretKeyFile] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: retiredDirectory) else { return [] }
        var files: [SecretKeyFile] = []
        for name in names.sorted() where name.hasSuffix(".key") {
            files.append(try Self.readKeyFile(retiredDirectory + "/" + name))
        }
        return files.sorted { $0.createdAt < $1.createdAt }
    }

    /// One of your keys, as a signer of snapshots and memories.
    public struct OwnKey: Sendable {
        public var file: SecretKeyFile
        /// Retired routinely: what it signed counts as yours only up to this time. nil: your current key.
        public var until: Double?
        /// Retired as compromised: nothing it signs counts as yours.
        public var compromised: Bool
        public var isCurrent: Bool { until == nil && !compromised }
    }

    /// Your current key, then your retired keys, oldest first. A retired key file
    /// written before retirement times were kept is taken as retired routinely when
    /// its successor (the next retired key, or the current one) was created.
    public func ownKeys() throws(VaultError) -> [OwnKey] {
        let current = try identityFile()
        let retired = try retiredKeyFiles()
        var keys = [OwnKey(file: current, until: nil, compromised: false)]
        for (i, file) in retired.enumerated() {
            let successorCreated = i + 1 < retired.count ? retired[i + 1].createdAt : current.createdAt
            let retirement = file.retirement ?? .init(at: successorCreated, reason: .routine)
            keys.append(OwnKey(file: file, until: retirement.at, compromised: retirement.reason == .compromised))
        }
        return keys
    }

    // MARK: Keyring

    public func keyring() throws(VaultError) -> Keyring {
        let before = FileIdentity(path: keyringPath)
        if let before, let cached = keyringCache.withLock({ $0 }), cached.file == before { return cached.keyring }
        let ring = try readKeyring()
        // Kept only when the file did not change while it was read.
        if let before, FileIdentity(path: keyringPath) == before { keyringCache.withLock { $0 = (before, ring) } }
        return ring
    }

    private func readKeyring() throws(VaultError) -> Keyring {
        // Yours, and writable by nobody else: an entry planted by another user would be trusted.
        let data: [UInt8]
        do {
            data = try OwnedFile.read(keyringPath, limit: KeyringFile.maximumBytes + 1, secret: false)
        } catch {
            switch error {
            case .missing: return Keyring()
            case .ownedByOther(let uid): throw .foreignFile(path: keyringPath, uid: uid)
            case .openToOthers(let mode): throw .insecureKeyring(path: keyringPath, mode: mode)
            case .symlink: throw .malformedKeyring(path: keyringPath, line: 1, reason: "a symbolic link (the keyring is read only as a regular file)")
            case .notRegular: throw .malformedKeyring(path: keyringPath, line: 1, reason: "not a regular file")
            case .tooLarge: throw .malformedKeyring(path: keyringPath, line: 1, reason: "larger than \(KeyringFile.maximumBytes) bytes")
            case .unreadable(let reason): throw .io(IOError(path: keyringPath, reason: reason))
            }
        }
        guard data.count <= KeyringFile.maximumBytes else {
            throw .malformedKeyring(path: keyringPath, line: 1, reason: "larger than \(KeyringFile.maximumBytes) bytes")
        }
        guard let text = String(data: Data(data), encoding: .utf8) else {
            throw .malformedKeyring(path: keyringPath, line: 1, reason: "not UTF-8 text")
        }
        return try KeyringFile.decode(text, path: keyringPath)
    }

    /// Reads, changes and rewrites the keyring under a lock (atomically).
    public func updateKeyring<T>(_ body: (inout Keyring) throws -> T) throws -> T {
        do { try home.ensureExists() } catch { throw VaultError.io(error) }
        return try withLock { () throws -> T in
            var ring = try keyring()
            let result = try body(&ring)
            try Self.replace(keyringPath, bytes: Array(KeyringFile.encode(ring).utf8), mode: 0o600)
            return result
        }
    }

    /// Trusts a key under a name; refuses your own key.
    /// `isMine`: the key is another device of yours.
    public func trust(_ key: PublicIdentity, name: String, isMine: Bool = false, now: Double = Date().timeIntervalSince1970) throws -> KeyringEntry {
        if let own = try? identityFile(), own.publicIdentity.constantTimeEquals(key) { throw VaultError.ownKey }
        return try updateKeyring { ring in
            try ring.add(name: name, key: key, at: now, isMine: isMine)
            return ring.entry(named: name)!
        }
    }

    /// Applies a rotation statement (docs/KEYS.md, "Key history"); anything refused
    /// leaves the keyring as it was.
    public func accept(_ statement: RotationStatement, now: Double = Date().timeIntervalSince1970) throws -> (KeyringEntry, KeyringChange) {
        try updateKeyring { ring in try ring.apply(statement, at: now) }
    }

    /// Applies a revocation statement: the key it revokes is trusted no more.
    public func accept(_ statement: RevocationStatement, now: Double = Date().timeIntervalSince1970) throws -> (KeyringEntry, KeyringChange) {
        if let own = try? ownKeys(), own.contains(where: { $0.file.publicIdentity.constantTimeEquals(statement.key) }) {
            throw VaultError.ownKey
        }
        return try updateKeyring { ring in try ring.apply(statement, at: now) }
    }

    /// `keys confirm`: the user checked with its owner that `key` is the entry's key.
    public func confirm(_ name: String, key: PublicIdentity, now: Double = Date().timeIntervalSince1970) throws -> (KeyringEntry, KeyringChange) {
        if let own = try? ownKeys(), own.contains(where: { $0.file.publicIdentity.constantTimeEquals(key) }) { throw VaultError.ownKey }
        return try updateKeyring { ring in try ring.confirm(name, key: key, at: now) }
    }

    /// What a statement would change, without changing anything (for the confirmation question).
    public func preview(_ statement: RotationStatement, now: Double = Date().timeIntervalSince1970) throws -> (KeyringEntry, KeyringChange) {
        var ring = try keyring()
        return try ring.apply(statement, at: now)
    }

    // MARK: Files

    /// A secret key file: a regular file (not a symbolic link), yours, that nobody
    /// else may read or write (docs/KEYS.md), checked on the open descriptor.
    static func readKeyFile(_ path: String) throws(VaultError) -> SecretKeyFile {
        var bytes: [UInt8]
        do {
            bytes = try OwnedFile.read(path, limit: SecretKeyFile.maximumFileBytes, secret: true)
        } catch {
            switch error {
            case .missing: throw .io(IOError(path: path, reason: "no such file"))
            case .notRegular: throw .malformedKeyFile(path: path, reason: "not a regular file")
            case .symlink: throw .malformedKeyFile(path: path, reason: "a symbolic link (key files are read only as regular files)")
            case .ownedByOther(let uid): throw .foreignFile(path: path, uid: uid)
            case .openToOthers(let mode): throw .insecureKeyFile(path: path, mode: mode)
            case .tooLarge(let limit): throw .malformedKeyFile(path: path, reason: "larger than \(limit) bytes")
            case .unreadable(let reason): throw .io(IOError(path: path, reason: reason))
            }
        }
        defer { Memory.zero(&bytes) }
        return try SecretKeyFile.decode(bytes, path: path)
    }

    static func createExclusively(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(VaultError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw .identityExists(path: path) }
            throw .io(IOError(path: path, reason: String(cString: strerror(errno))))
        }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        fchmod(fd, mode)
        fsync(fd)
    }

    /// Writes through a temporary file renamed over `path`.
    static func replace(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(VaultError) {
        let file: AtomicFile
        do { file = try AtomicFile(path: path, mode: mode) } catch { throw .io(error) }
        do {
            try writeAll(file.fileDescriptor, bytes, path: path)
            fchmod(file.fileDescriptor, mode)
            try file.commit()
        } catch let error as VaultError {
            file.abandon()
            throw error
        } catch {
            file.abandon()
            throw .io(IOError(path: path, reason: "\(error)"))
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(VaultError) {
        do { try Descriptor.writeAll(fd, bytes, name: path) } catch { throw .io(error) }
    }

    static func makeDirectory(_ path: String) throws(VaultError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io(IOError(path: path, reason: error.localizedDescription))
        }
    }

    /// Serialises changes to key files between processes (an exclusive `flock`).
    func withLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw VaultError.io(IOError(path: lockPath, reason: String(cString: strerror(errno)))) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw VaultError.io(IOError(path: lockPath, reason: String(cString: strerror(errno)))) }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }
}
