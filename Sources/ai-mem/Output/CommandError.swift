import AIMemCore

/// A problem with what the user asked the command line for (a flag's value, a
/// missing argument, an unusable setting), with a hint where one helps.
struct CommandError: UserFacingError {
    let message: String
    let hint: String?

    init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
}
