import Foundation

/// Random (version 4) UUIDs in lowercase, as ai-mem writes them: observation ids,
/// snapshot ids, temporary file names.
package enum UUIDString {
    package static func random() -> String { UUID().uuidString.lowercased() }
}
