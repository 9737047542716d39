/// An error that can be shown to a user as `ai-mem: error: <message>` and,
/// when there is something to suggest, `ai-mem: hint: <hint>`.
public protocol UserFacingError: Error {
    var message: String { get }
    var hint: String? { get }
}

extension UserFacingError {
    public var hint: String? { nil }
}
