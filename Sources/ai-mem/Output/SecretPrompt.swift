#if canImport(Glibc)
import AIMemCore
import Glibc
#endif
import Foundation
import Vault

/// Asks for a passphrase on the terminal without echo.
enum SecretPrompt {
    /// A prompt for `PassphraseSources`, or nil when standard input is not a terminal
    /// (then a missing passphrase is an error, never a hang).
    static var ifTerminal: PassphraseSources.Prompt? {
        guard Terminal.stdinIsTerminal else { return nil }
        return { @Sendable message in try read(message) }
    }

    static func read(_ message: String) throws -> String {
        FileHandle.standardError.write(Data(message.utf8))
        var original = termios()
        let haveTerminal = tcgetattr(STDIN_FILENO, &original) == 0
        if haveTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if haveTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &original) }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(STDIN_FILENO, &byte, 1) == 1 {
            if byte == 0x0A { break }
            bytes.append(byte)
            if bytes.count > 4096 { break }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        for i in bytes.indices { bytes[i] = 0 }
        return text
    }
}
