/// Why a JSON text could not be read, and where (1-based line and column in bytes).
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var line: Int
    public var column: Int

    public var description: String { "\(reason) at line \(line), column \(column)" }
}
