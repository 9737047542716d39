import Foundation

/// A file mapped read-only into memory; pages are read on first touch and
/// shared with every other process mapping the same file.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    convenience init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw EmbeddingError.invalidModel(reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        try self.init(descriptor: fd, path: path)
    }

    /// Maps the file open as `descriptor` (which the caller still owns) as it is now.
    init(descriptor fd: Int32, path: String) throws {
        self.path = path
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else {
            throw EmbeddingError.invalidModel(reason: "\(path) is empty or unreadable")
        }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw EmbeddingError.invalidModel(reason: "cannot map \(path): \(String(cString: strerror(errno)))")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }
}
