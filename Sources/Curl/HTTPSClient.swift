internal import CCurl
import Foundation

/// A failure of an HTTPS request, with libcurl's own words for it.
public struct CurlError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The server's certificate did not verify (unknown issuer, wrong name, expired, self-signed).
        case certificate
        case timeout
        case connection
        case responseTooLarge
        /// libcurl is not installed (`libcurl.so.4`).
        case unavailable
        case other
    }

    public var kind: Kind
    /// libcurl's code (CURLcode), 0 when the error is ours.
    public var code: Int32
    public var message: String
    public var description: String { message }
}

/// The one Swift layer over libcurl (`libcurl.so.4`, loaded on first use): HTTPS POST
/// only, certificates verified against the system's store (or a given CA bundle),
/// TLS 1.2 or newer, no redirects, no other protocols, every return code checked.
public enum HTTPSClient {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
    }


    /// POSTs `body` to `url` (an https:// URL). `caFile`: a PEM bundle to trust
    /// instead of the system's certificate store. The response body is capped at `maxBodyBytes`.
    public static func post(url: String, body: [UInt8], headers: [(String, String)], timeout: Double, caFile: String? = nil,
                            maxBodyBytes: Int) throws(CurlError) -> Response {
        if let failure = aimem_curl_load() { throw CurlError(kind: .unavailable, code: 0, message: String(cString: failure)) }
        guard let handle = aimem_curl_easy_init() else { throw CurlError(kind: .other, code: 0, message: "libcurl could not make a handle") }
        defer { aimem_curl_easy_cleanup(handle) }
        var list: UnsafeMutablePointer<curl_slist>? = nil
        defer { aimem_curl_slist_free_all(list) }
        for (name, value) in headers + [("Content-Type", "application/json"), ("Accept", "application/json"), ("Expect", "")] {
            guard let appended = aimem_curl_slist_append(list, "\(name): \(value)") else {
                throw CurlError(kind: .other, code: 0, message: "libcurl could not hold a header")
            }
            list = appended
        }
        let sink = Sink(limit: maxBodyBytes)
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }

        // libcurl's detailed message of a failure ("SSL certificate problem: self-signed certificate").
        let detail = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        detail.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { detail.deallocate() }
        func check(_ code: CURLcode) throws(CurlError) {
            guard code == CURLE_OK else { throw Self.error(code, sink: sink, detail: String(cString: detail)) }
        }
        try check(aimem_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, detail))
        try check(aimem_curl_setopt_string(handle, CURLOPT_URL, url))
        try check(aimem_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https"))
        try check(aimem_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0))
        try check(aimem_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
        try check(aimem_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
        try check(aimem_curl_setopt_long(handle, CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2)))
        if let caFile { try check(aimem_curl_setopt_string(handle, CURLOPT_CAINFO, caFile)) }
        try check(aimem_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(aimem_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1000)))
        try check(aimem_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(min(timeout, 30) * 1000)))
        try check(aimem_curl_setopt_string(handle, CURLOPT_USERAGENT, "ai-mem"))
        try check(aimem_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)))
        try check(aimem_curl_setopt_long(handle, CURLOPT_POST, 1))
        try check(aimem_curl_setopt_size(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        try check(aimem_curl_setopt_write_function(handle) { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let n = size * count
            guard sink.bytes.count + n <= sink.limit else { sink.overflowed = true; return 0 }
            sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
            return n
        })
        try check(aimem_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque()))
        try body.withUnsafeBufferPointer { (bytes) throws(CurlError) in
            // libcurl reads the body from this pointer during perform (COPYPOSTFIELDS would copy it).
            try check(aimem_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!)))
            try check(aimem_curl_easy_perform(handle))
        }
        var status = 0
        try check(aimem_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status))
        return Response(status: status, body: sink.bytes)
    }

    /// Where a response's bytes go, bounded.
    final class Sink {
        let limit: Int
        var bytes: [UInt8] = []
        var overflowed = false
        init(limit: Int) { self.limit = limit }
    }

    static func error(_ code: CURLcode, sink: Sink, detail: String) -> CurlError {
        if sink.overflowed { return CurlError(kind: .responseTooLarge, code: Int32(code.rawValue), message: "the response is larger than \(sink.limit >> 20) MiB") }
        let text = detail.isEmpty ? String(cString: aimem_curl_easy_strerror(code)) : detail
        let kind: CurlError.Kind
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM: kind = .certificate
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SSL_CONNECT_ERROR, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING: kind = .connection
        default: kind = .other
        }
        return CurlError(kind: kind, code: Int32(code.rawValue), message: text)
    }
}
