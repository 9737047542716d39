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
            let text = Base64URL.encode(data)
            #expect(Base64URL.decode(text) == data)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        }
    }

    @Test func keyLinesRoundTripForAnyKeyBytes() async {
        await propertyCheck(count: 200, input: Self.bytes.array(of: 64...64)) { raw in
            let key = Self.key(raw)
            let parsed = try? PublicIdentity(keyLine: key.keyLine)
            #expect(parsed == key && parsed?.keyID == key.keyID)
        }
    }

    @Test func anySingleCharacterSubstitutionIsRejected() async {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        await propertyCheck(count: 300, input: Self.bytes.array(of: 64...64), Gen<Int>.value(in: 0...90), Gen<Int>.value(in: 0...63)) { raw, position, replacement in
            let key = Self.key(raw)
            var chars = Array(key.keyLine)
            let index = PublicIdentity.keyLinePrefix.count + position
            guard chars[index] != alphabet[replacement] else { return }
            chars[index] = alphabet[replacement]
            #expect(throws: VaultError.self) { _ = try PublicIdentity(keyLine: String(chars)) }
        }
    }

    @Test func rotationStatementsRoundTrip() async {
        await propertyCheck(count: 50, input: Gen<UInt64>.value(in: 0...UInt64.max)) { time in
            let statement = RotationStatement.make(from: SecretIdentity.generate(), to: SecretIdentity.generate().publicIdentity, time: time)
            let parsed = try? RotationStatement(text: statement.text)
            #expect(parsed == statement && parsed?.isSigned(by: statement.oldKey) == true)
        }
    }
}
