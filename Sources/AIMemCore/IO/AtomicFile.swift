import Glibc
import Foundation

/// Writes a file through a temporary file in the same directory that is renamed
/// into place only after everything was written and synced: a failure or a kill
/// never leaves a partial file at the target path.
package final class AtomicFile {
    package let targetPath: String
    package let temporaryPath: String
    package let fileDescriptor: Int32
    private var finished = false

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
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw IOError(path: path, reason: "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        fileDescriptor = fd
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
        unlink(temporaryPath)
    }

    deinit { abandon() }
}
