import Glibc

/// The project's one place for raw `read(2)` and `write(2)`: both retried when a
/// signal interrupts them (`EINTR`), writes until every byte is out. `name` is
/// what an error calls the descriptor (a path, `standard output`).
package enum Descriptor {
    /// Reads up to `count` bytes into `buffer`; 0 at the end of input.
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, name: String) throws(IOError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer, count)
            if n >= 0 { return n }
            let code = errno
            if code != EINTR { throw IOError(path: name, reason: "cannot read: \(describe(code))") }
        }
    }

    /// Reads up to `count` bytes and appends them to `buffer`; returns how many (0 at the end of input).
    package static func read(_ fd: Int32, appendingTo buffer: inout [UInt8], count: Int, name: String) throws(IOError) -> Int {
        var failure: IOError? = nil
        let tail = [UInt8](unsafeUninitializedCapacity: count) { raw, filled in
            do throws(IOError) {
                filled = try read(fd, into: raw.baseAddress!, count: count, name: name)
            } catch {
                failure = error
                filled = 0
            }
        }
        if let failure { throw failure }
        buffer.append(contentsOf: tail)
        return tail.count
    }

    /// Writes all of `bytes`.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws(IOError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw IOError(path: name, reason: "cannot write: \(describe(code))")
            }
            offset += n
        }
    }

    /// Writes all of `bytes`.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], name: String) throws(IOError) {
        let failure: IOError? = bytes.withUnsafeBytes { raw in
            do throws(IOError) {
                try writeAll(fd, raw, name: name)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// The system's words for an `errno` value.
    package static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
