import AIMemCore
import ArgumentParser
import Foundation
import Sodium
import Vault

/// `--passphrase-file`, for commands that unlock your secret key.
struct PassphraseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read the passphrase from the first line of FILE (else $AI_MEM_PASSPHRASE, else a prompt on a terminal).", valueName: "file"))
    var passphraseFile: String?

    var sources: PassphraseSources {
        PassphraseSources(file: passphraseFile, prompt: SecretPrompt.ifTerminal)
    }
}

/// The Argon2id work factor for a new or re-encrypted key.
enum KDFStrength: String, ExpressibleByArgument, CaseIterable {
    case interactive, moderate, sensitive

    var limits: PasswordHash.Limits {
        switch self {
        case .interactive: return .interactive
        case .moderate: return .moderate
        case .sensitive: return .sensitive
        }
    }
}

extension KeyringEntry {
    var statusText: String {
        switch status {
        case .trusted: return "trusted"
        case .revoked: return "revoked"
        case .disputed: return "disputed"
        }
    }
}
