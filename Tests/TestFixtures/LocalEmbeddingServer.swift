import AIMemCore
import Foundation
import SentenceEmbedding
#if canImport(Glibc)
import Glibc
#endif

/// An OpenAI-compatible embeddings server on 127.0.0.1 for tests: it answers
/// `POST …/embeddings` with vectors of the lexical embedder, scaled by 3 (the
/// client must normalise them) and listed in reverse order with their indices
/// (the client must put them back in order). Other behaviours are chosen by `mode`.
public final class LocalEmbeddingServer: @unchecked Sendable {
    public enum Mode: Sendable {
        case normal
        case chunked
        case status(Int, String)
        case wrongCount
        case notANumber
        case hangUp
    }

    public struct Request: Sendable {
        public var path: String
        public var headers: [String: String]
        public var model: String?
        public var inputs: [String]
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private let listener: Int32
    private let lock = NSLock()
    private var _mode: Mode = .normal
    private var _requests: [Request] = []
    private let embedder = LexicalHashEmbedder(dimension: 16)

    public var mode: Mode {
        get { lock.withLock { _mode } }
        set { lock.withLock { _mode = newValue } }
    }

    public var requests: [Request] { lock.withLock { _requests } }

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting connections.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            handle(client)
            close(client)
        }
    }

    private func handle(_ fd: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var expected: Int? = nil
        var headerEnd = 0
        while expected == nil || received.count < headerEnd + expected! {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            received += buffer[0..<n]
            if expected == nil, let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                headerEnd = end.upperBound
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                expected = head.components(separatedBy: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
                }.first ?? 0
            }
        }
        let head = String(decoding: received[..<(headerEnd - 4)], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let path = head[0].split(separator: " ").dropFirst().first.map(String.init) ?? ""
        let body = (try? JSONParser.parse(Array(received[headerEnd...]))).flatMap(\.objectValue)
        let inputs = body?["input"]?.arrayValue?.compactMap(\.stringValue) ?? []
        lock.withLock { _requests.append(Request(path: path, headers: headers, model: body?["model"]?.stringValue, inputs: inputs)) }

        let vectors = (try? embedder.embed(inputs)) ?? []
        var items: [JSONValue] = []
        for (i, vector) in vectors.enumerated().reversed() {
            var values = vector.map { JSONValue.double(Double($0) * 3)! }
            if case .notANumber = mode, i == 0 { values[0] = .number("1e999") }
            items.append(.object(JSONObject(["object": .string("embedding"), "index": .int(i), "embedding": .array(values)])))
        }
        if case .wrongCount = mode { items.removeLast() }
        var writer = JSONWriter()
        writer.write(.object(JSONObject(["object": .string("list"), "data": .array(items), "model": .string(body?["model"]?.stringValue ?? "")])))
        var status = 200
        var payload = writer.bytes
        switch mode {
        case .hangUp: return
        case .status(let code, let text):
            status = code
            payload = Array(text.utf8)
        default: break
        }
        var response = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nConnection: close\r\n"
        if case .chunked = mode {
            response += "Transfer-Encoding: chunked\r\n\r\n"
            var out = Array(response.utf8)
            var offset = 0
            while offset < payload.count {
                let size = min(100, payload.count - offset)
                out += Array((String(size, radix: 16) + ";ext=1\r\n").utf8) + payload[offset..<(offset + size)] + Array("\r\n".utf8)
                offset += size
            }
            out += Array("0\r\n\r\n".utf8)
            sendAll(fd, out)
        } else {
            response += "Content-Length: \(payload.count)\r\n\r\n"
            sendAll(fd, Array(response.utf8) + payload)
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            offset += n
        }
    }
}
