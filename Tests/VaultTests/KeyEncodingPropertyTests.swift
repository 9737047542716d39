import AIMemCore
import Foundation
import PropertyBased
import Sodium
import Testing
@testable import Vault

/// Property-based tests of the key encodings.
struct KeyEncodingPropertyTests {
    static let bytes = Gen<UInt8>.value(in: 0...255)

    static func key(_ raw: [UInt8]) -> PublicIdentity {
        PublicIdentity(signingKey: try! Ed25519.PublicKey(bytes: Array(raw[0..<32])), encryptionKey: try! X25519.PublicKey(bytes: Array(raw[32..<64])))
    }

    @Test func base64URLRoundTripsAndIsCanonical() async {
        await propertyCheck(count: 500, input: Self.bytes.array(of: 0...100)) { data in
            let text = Base64.encode(data, alphabet: .url)
            #expect(Base64.decode(text, alphabet: .url) == data)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        }
    }

    @Test func keyLinesRoundTripForAnyGenuineKey() async {
        await propertyCheck(count: 200, input: Self.bytes.array(of: 64...64)) { seeds in
            let key = try! SecretIdentity(seeds: SecretBytes(copying: seeds)).publicIdentity
            let parsed = try? PublicIdentity(keyLine: key.keyLine)
            #expect(parsed == key && parsed?.keyID == key.keyID)
        }
    }

    /// Any 64 bytes: the line parses back to them exactly when both halves are usable
    /// points, and is otherwise refused naming the unusable half.
    @Test func keyLinesOfArbitraryBytesParseOrNameTheUnusableHalf() async {
        await propertyCheck(count: 300, input: Self.bytes.array(of: 64...64)) { raw in
            let key = Self.key(raw)
            do {
                let parsed = try PublicIdentity(keyLine: key.keyLine)
                #expect(parsed == key && key.signingKey.isUsable && key.encryptionKey.isUsable)
            } catch {
                let which = key.signingKey.isUsable ? "X25519" : "Ed25519"
                #expect(error as? VaultError == .invalidKeyLine(.unusableKey(which: which)))
            }
        }
    }

    @Test func anySingleCharacterSubstitutionIsRejected() async {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        await propertyCheck(count: 300, input: Self.bytes.array(of: 64...64), Gen<Int>.value(in: 0...90), Gen<Int>.value(in: 0...63)) { raw, position, replacement in
            let key = try! SecretIdentity(seeds: SecretBytes(copying: raw)).publicIdentity
            var chars = Array(key.keyLine)
            let index = PublicIdentity.keyLinePrefix.count + position
            guard chars[index] != alphabet[replacement] else { return }
            chars[index] = alphabet[replacement]
            // A CRC-32 catches every single substitution; in the last character it may
            // first set the unused bits.
            let error = #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(chars)) }
            #expect(error == .invalidKeyLine(.badChecksum) || error == .invalidKeyLine(.nonCanonicalEncoding), "\(String(describing: error))")
        }
    }

    @Test func rotationStatementsRoundTrip() async {
        await propertyCheck(count: 50, input: Gen<UInt64>.value(in: 0...UInt64.max)) { time in
            let statement = try! RotationStatement.make(from: SecretIdentity.generate(), to: SecretIdentity.generate().publicIdentity, time: time)
            let parsed = try? RotationStatement(text: statement.text)
            #expect(parsed == statement && parsed?.isSigned(by: statement.oldKey) == true)
        }
    }
}
