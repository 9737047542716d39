import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client for one request per connection (`Connection:
/// close`): enough for a local embeddings server, with a timeout on connecting
/// and on every read and write, and caps on the response's header and body.
enum HTTPClient {
    static let maxHeaderBytes = 64 << 10
    static let maxBodyBytes = 64 << 20

    struct Response {
        var status: Int
        var body: [UInt8]
    }

    static func post(_ endpoint: HTTPEndpoint, body: [UInt8], headers: [(String, String)], timeout: Double) throws -> Response {
        func fail(_ reason: String) -> EmbeddingError { .server(url: endpoint.description, reason: reason) }
        let socket = try connect(endpoint, timeout: timeout)
        defer { close(socket) }
        var request = "POST \(endpoint.path) HTTP/1.1\r\n"
        let hostHeader = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        request += "Host: \(hostHeader):\(endpoint.port)\r\n"
        request += "User-Agent: ai-mem\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        try sendAll(socket, Array(request.utf8) + body, fail: fail)

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail(errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within \(Int(timeout)) s" : "cannot read: \(String(cString: strerror(errno)))")
            }
            received += buffer[0..<n]
            guard received.count <= maxHeaderBytes + maxBodyBytes else { throw fail("the response is larger than \(maxBodyBytes >> 20) MiB") }
        }
        return try parse(received, fail: fail)
    }

    /// Splits a whole response into status and body (de-chunked when chunked).
    static func parse(_ bytes: [UInt8], fail: (String) -> EmbeddingError) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator), end.lowerBound <= maxHeaderBytes else {
            throw fail(bytes.isEmpty ? "the server closed the connection without answering" : "the response has no complete header")
        }
        guard let head = String(bytes: bytes[..<end.lowerBound], encoding: .utf8) else { throw fail("the response header is not text") }
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]), (100...599).contains(status) else {
            throw fail("the response does not start with an HTTP/1.x status line")
        }
        var contentLength: Int? = nil
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-length" {
                guard let n = Int(value), n >= 0 else { throw fail("the Content-Length is not a number") }
                contentLength = n
            } else if name == "transfer-encoding" {
                chunked = value.lowercased().contains("chunked")
            }
        }
        var body = Array(bytes[end.upperBound...])
        if chunked {
            body = try dechunk(body, fail: fail)
        } else if let contentLength {
            guard body.count >= contentLength else { throw fail("the response ended after \(body.count) of \(contentLength) bytes") }
            body = Array(body[..<contentLength])
        }
        guard body.count <= maxBodyBytes else { throw fail("the response is larger than \(maxBodyBytes >> 20) MiB") }
        return Response(status: status, body: body)
    }

    static func dechunk(_ bytes: [UInt8], fail: (String) -> EmbeddingError) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let lineEnd = bytes[i...].firstRange(of: [13, 10]) else { throw fail("a chunk header is incomplete") }
            let sizeText = String(decoding: bytes[i..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard sizeText.count <= 8, let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                throw fail("a chunk size is not hexadecimal")
            }
            i = lineEnd.upperBound
            if size == 0 { return out }
            guard bytes.count - i >= size + 2 else { throw fail("the response ended inside a chunk") }
            out += bytes[i..<(i + size)]
            guard out.count <= maxBodyBytes else { throw fail("the response is larger than \(maxBodyBytes >> 20) MiB") }
            i += size + 2
        }
    }

    private static func connect(_ endpoint: HTTPEndpoint, timeout: Double) throws -> Int32 {
        func fail(_ reason: String) -> EmbeddingError { .server(url: endpoint.description, reason: reason) }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
        guard status == 0, let first = list else {
            throw fail("cannot resolve \(endpoint.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            // Connect without blocking, wait at most `timeout`, then go back to blocking I/O with timeouts.
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&poller, 1, Int32(timeout * 1000))
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                if ready == 1 && soError == 0 {
                    result = 0
                } else {
                    lastError = ready == 0 ? "no connection within \(Int(timeout)) s" : String(cString: strerror(soError != 0 ? soError : errno))
                }
            } else if result != 0 {
                lastError = String(cString: strerror(errno))
            }
            guard result == 0 else { close(fd); continue }
            _ = fcntl(fd, F_SETFL, flags)
            var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        throw fail("cannot connect: \(lastError)")
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8], fail: (String) -> EmbeddingError) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot send the request: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
