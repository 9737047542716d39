/// A file, a directory or a stream could not be opened, read or written.
public struct IOError: UserFacingError, Equatable, Sendable {
    /// What was being read or written: a path, `standard input` or `standard output`.
    public let path: String
    /// What went wrong, e.g. the system's words for `errno`.
    public let reason: String
    /// A suggestion for the user, when there is one.
    public let hint: String?

    public init(path: String, reason: String, hint: String? = nil) {
        self.path = path
        self.reason = reason
        self.hint = hint
    }

    public var message: String { "\(path): \(reason)" }
}
