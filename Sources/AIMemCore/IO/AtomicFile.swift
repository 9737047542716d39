import Glibc
import Foundation

/// Writes a file that appears at its path only complete: the bytes go to an
/// anonymous file in the target's directory (`O_TMPFILE`: it has no name, so an
/// interruption — SIGINT, SIGTERM, SIGKILL, a crash — leaves nothing behind),
/// which is given a temporary name and renamed onto the target only after
/// everything was written and synced. Where the file system has no `O_TMPFILE`, a
/// hidden temporary file takes its place.
package final class AtomicFile {
    package let targetPath: String
    package let temporaryPath: String
    package let fileDescriptor: Int32
    /// The file has no name yet (`O_TMPFILE`).
    package let isAnonymous: Bool
    private var finished = false

    /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Swift does not import.
    static let openTemporary: Int32 = 0o20000000 | O_DIRECTORY

    /// Creates the temporary file (mode `mode`, exclusive).
    package init(path: String, mode: mode_t = 0o600) throws(IOError) {
        targetPath = path
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IOError(path: path, reason: "the directory \(directory) does not exist")
        }
        temporaryPath = directory + "/." + url.lastPathComponent + ".tmp-" + UUIDString.random().prefix(8)
        let anonymous = open(directory, Self.openTemporary | O_WRONLY | O_CLOEXEC, mode)
        if anonymous >= 0 {
            fileDescriptor = anonymous
            isAnonymous = true
            return
        }
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw IOError(path: path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        fileDescriptor = fd
        isAnonymous = false
    }

    /// Syncs the data and renames the temporary file onto the target.
    package func commit() throws(IOError) {
        guard !finished else { return }
        finished = true
        if fsync(fileDescriptor) != 0 {
            let reason = String(cString: strerror(errno))
            close(fileDescriptor)
            unlink(temporaryPath)
            throw IOError(path: targetPath, reason: "cannot sync: \(reason)")
        }
        if isAnonymous, linkat(AT_FDCWD, "/proc/self/fd/\(fileDescriptor)", AT_FDCWD, temporaryPath, AT_SYMLINK_FOLLOW) != 0 {
            let reason = String(cString: strerror(errno))
            close(fileDescriptor)
            throw IOError(path: targetPath, reason: "cannot give the written file a name: \(reason)")
        }
        close(fileDescriptor)
        if rename(temporaryPath, targetPath) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw IOError(path: targetPath, reason: "cannot rename into place: \(reason)")
        }
        // Make the rename itself durable.
        let directory = URL(fileURLWithPath: targetPath).deletingLastPathComponent().path
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Removes the temporary file; the target is untouched.
    package func abandon() {
        guard !finished else { return }
        finished = true
        close(fileDescriptor)
        if !isAnonymous { unlink(temporaryPath) }
    }

    deinit { abandon() }
}
