import Foundation

/// Reading a file that only its owner — this user — may control: a regular file
/// (a symlink is refused, not followed: it is opened with `O_NOFOLLOW`, so nobody
/// can swap it between the check and the read), owned by the effective user, and
/// not writable (with `secret`: not readable either) by group or others. The
/// checks are made on the open descriptor.
package enum OwnedFile {
    package enum Problem: Error, Equatable {
        case missing
        case notRegular
        case symlink
        case ownedByOther(uid: UInt32)
        /// Group or others may read (secret files) or write it; the mode in octal digits.
        case openToOthers(mode: Int)
        case tooLarge(limit: Int)
        case unreadable(reason: String)
    }

    /// The file's bytes, at most `limit` of them.
    package static func read(_ path: String, limit: Int, secret: Bool) throws(Problem) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .missing
            case ELOOP: throw .symlink
            default: throw .unreadable(reason: String(cString: strerror(errno)))
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegular }
        try check(info, secret: secret)
        guard info.st_size <= limit else { throw .tooLarge(limit: limit) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            filled += n
        }
        guard filled <= limit else { throw .tooLarge(limit: limit) }
        return Array(bytes[0..<filled])
    }

    /// The ownership and mode rules, for a file or a directory already stat'ed.
    package static func check(_ info: stat, secret: Bool) throws(Problem) {
        guard info.st_uid == geteuid() else { throw .ownedByOther(uid: info.st_uid) }
        let mode = Int(info.st_mode & 0o777)
        guard mode & (secret ? 0o077 : 0o022) == 0 else { throw .openToOthers(mode: mode) }
    }
}
