import AIMemCore
import Foundation
import Testing
@testable import Vault

/// The keyring's key histories (docs/KEYS.md, "Key history"): rotations,
/// disputes, revocations and confirmations, and what each key may sign.
struct KeyHistoryTests {
    let now = 1_795_000_000.0

    func ring(_ names: String...) throws -> (Keyring, [String: SecretIdentity]) {
        var ring = Keyring()
        var keys: [String: SecretIdentity] = [:]
        for name in names {
            let k = SecretIdentity.generate()
            try ring.add(name: name, key: k.publicIdentity, at: now - 1000)
            keys[name] = k
        }
        return (ring, keys)
    }

    func directory(_ ring: Keyring) -> KeyDirectory {
        let own = try! SecretKeyFile.seal(SecretIdentity.generate(), name: "me", createdAt: 0, passphrase: nil, limits: .interactive)
        return KeyDirectory(ownName: "me", own: [KeyStore.OwnKey(file: own, until: nil, compromised: false)], keyring: ring)
    }

    @Test func theHistoryVectorReadsBackAndGivesEachKeyItsStanding() throws {
        let text = String(decoding: try Vectors.data("keyrings/history.txt"), as: UTF8.self)
        let ring = try KeyringFile.decode(text, path: "history.txt")
        #expect(try KeyringFile.decode(KeyringFile.encode(ring), path: "x") == ring)
        let carol = try #require(ring.entry(named: "carol")), erin = try #require(ring.entry(named: "erin"))
        #expect(carol.previousKeys.map(\.compromised) == [true, false])
        #expect(carol.confirmedKeyID == carol.previousKeys[1].keyID)
        #expect(erin.isDisputed && erin.candidateKeys.count == 1)
        let d = directory(ring)
        let until = try #require(DateParsing.iso8601("2026-11-15T00:00:00Z"))
        func trust(_ key: String, at time: Double) -> SignerInfo.Trust { d.signer(keyID: key, claimedName: "x", createdAt: time).trust }
        #expect(trust(carol.previousKeys[0].keyID, at: 0) == .compromised)
        #expect(trust(carol.previousKeys[1].keyID, at: until + 0.9) == .trusted)
        #expect(d.signer(keyID: carol.previousKeys[1].keyID, claimedName: "x", createdAt: until).rotatedAt == until)
        #expect(trust(carol.previousKeys[1].keyID, at: until + 1) == .signedAfterRotation)
        #expect(trust(carol.keyID, at: until + 1e6) == .trusted)
        #expect(trust(erin.keyID, at: 0) == .disputed && trust(erin.candidateKeys[0].keyID, at: 0) == .disputed)
        // Authors: the rotated key for versions dated by its rotation only; nothing of a dispute.
        let authors = d.authorKeys
        #expect(authors[carol.previousKeys[1].keyID]?.until == until && authors[carol.keyID]?.until == nil)
        #expect(authors[carol.previousKeys[0].keyID] == nil && authors[erin.keyID] == nil)
        // One person: carol's keys all stand for her current key.
        #expect(Set(carol.previousKeys.map { d.personOfKey[$0.keyID] }) == [carol.keyID])
    }

    @Test func rotationsMoveTheEntryAndAreIdempotent() throws {
        var (ring, keys) = try ring("carol")
        let k2 = SecretIdentity.generate(), k3 = SecretIdentity.generate()
        let first = try RotationStatement.make(from: keys["carol"]!, to: k2.publicIdentity, time: UInt64(now + 5000))
        #expect(try ring.apply(first, at: now).1 == .rotated)
        let carol = ring.entry(named: "carol")!
        // A statement dated in the future does not stretch the old key's time.
        #expect(carol.previousKeys == [PreviousKey(publicIdentity: keys["carol"]!.publicIdentity, until: now)])
        #expect(try ring.apply(first, at: now + 10).1 == .alreadyApplied)
        #expect(try ring.apply(RotationStatement.make(from: k2, to: k3.publicIdentity, time: UInt64(now + 20)), at: now + 20).1 == .rotated)
        #expect(ring.entry(named: "carol")!.previousKeys.map(\.keyID) == [keys["carol"]!.publicIdentity.keyID, k2.publicIdentity.keyID])
        #expect(ring.entry(named: "carol")!.keyID == k3.publicIdentity.keyID)
        // The old key cannot move onto another entry's key.
        var (two, more) = try self.ring("carol", "dan")
        #expect(throws: VaultError.duplicateKey(keyID: more["dan"]!.publicIdentity.keyID, existingName: "dan")) {
            _ = try two.apply(RotationStatement.make(from: more["carol"]!, to: more["dan"]!.publicIdentity, time: 1), at: now)
        }
    }

    @Test func aSecondRotationFromOneKeyDisputesEverythingReachedThroughIt() throws {
        var (ring, keys) = try ring("carol")
        let thief = SecretIdentity.generate(), genuine = SecretIdentity.generate()
        _ = try ring.apply(RotationStatement.make(from: keys["carol"]!, to: thief.publicIdentity, time: 1), at: now)
        let (entry, change) = try ring.apply(RotationStatement.make(from: keys["carol"]!, to: genuine.publicIdentity, time: 2), at: now + 1)
        #expect(change == .disputed && entry.isDisputed)
        #expect(entry.previousKeys[0].compromised && entry.candidateKeys == [genuine.publicIdentity])
        let d = directory(ring)
        for k in [thief, genuine, keys["carol"]!] {
            #expect(d.signer(keyID: k.publicIdentity.keyID, claimedName: "", createdAt: 0).trust != .trusted)
        }
        // No statement from a key of the dispute is applied until confirmed.
        #expect(throws: VaultError.disputedEntry(name: "carol")) {
            _ = try ring.apply(RotationStatement.make(from: genuine, to: SecretIdentity.generate().publicIdentity, time: 3), at: now)
        }
        #expect(throws: VaultError.disputedEntry(name: "carol")) {
            _ = try ring.apply(RotationStatement.make(from: thief, to: SecretIdentity.generate().publicIdentity, time: 3), at: now)
        }
        // Confirming the candidate makes the other branch compromised for good.
        #expect(throws: VaultError.confirmPreviousKey(name: "carol", keyID: keys["carol"]!.publicIdentity.keyID)) {
            _ = try ring.confirm("carol", key: keys["carol"]!.publicIdentity, at: now)
        }
        let (confirmed, _) = try ring.confirm("carol", key: genuine.publicIdentity, at: now + 2)
        #expect(confirmed.status == .trusted && confirmed.keyID == genuine.publicIdentity.keyID && confirmed.candidateKeys.isEmpty)
        #expect(confirmed.previousKeys.map(\.compromised) == [true, true] && confirmed.confirmedKeyID == genuine.publicIdentity.keyID)
        #expect(directory(ring).signer(keyID: thief.publicIdentity.keyID, claimedName: "", createdAt: 0).trust == .compromised)
        // Once confirmed, the stolen key's further statements change nothing about the current key.
        let late = try ring.apply(RotationStatement.make(from: keys["carol"]!, to: SecretIdentity.generate().publicIdentity, time: 9), at: now + 3)
        #expect(late.1 == .keyCompromised && !late.0.isDisputed)
    }

    @Test func aRevocationDisputesOnlyWhatWasReachedThroughTheKeySinceTheLastConfirmation() throws {
        var (ring, keys) = try ring("carol")
        let k2 = SecretIdentity.generate(), k3 = SecretIdentity.generate()
        _ = try ring.apply(RotationStatement.make(from: keys["carol"]!, to: k2.publicIdentity, time: 1), at: now)
        _ = try ring.confirm("carol", key: k2.publicIdentity, at: now + 1)
        _ = try ring.apply(RotationStatement.make(from: k2, to: k3.publicIdentity, time: 2), at: now + 2)
        // The first key was before the confirmation: only it is lost.
        let first = try ring.apply(RevocationStatement.make(revoking: keys["carol"]!, time: 3), at: now + 3)
        #expect(first.1 == .keyCompromised && first.0.status == .trusted)
        #expect(try ring.apply(RevocationStatement.make(revoking: keys["carol"]!, time: 3), at: now + 3).1 == .alreadyApplied)
        // The confirmed key's revocation takes k3 with it (k3 came by k2's statement).
        let second = try ring.apply(RevocationStatement.make(revoking: k2, time: 4), at: now + 4)
        #expect(second.1 == .disputed && second.0.candidateKeys.isEmpty)
        // The current key's own revocation revokes the entry.
        let third = try ring.apply(RevocationStatement.make(revoking: k3, time: 5), at: now + 5)
        #expect(third.1 == .revoked && third.0.isRevoked)
        // A revoked entry is trusted again only at a new key, its old ones never.
        #expect(throws: VaultError.confirmRevokedKey(name: "carol", keyID: k3.publicIdentity.keyID)) {
            _ = try ring.confirm("carol", key: k3.publicIdentity, at: now + 6)
        }
        let fresh = SecretIdentity.generate()
        let (back, _) = try ring.confirm("carol", key: fresh.publicIdentity, at: now + 6)
        #expect(back.status == .trusted && back.previousKeys.last?.compromised == true)
        // Revocations are checked with the key they revoke: a changed byte is refused.
        let text = try RevocationStatement.make(revoking: k3, time: 5).text
        var bytes = Base64.decode(String(text.dropFirst(RevocationStatement.prefix.count)), alphabet: .url)!
        bytes[70] ^= 1
        #expect(throws: VaultError.invalidRevocationStatement("its signature does not verify with the key it revokes")) {
            _ = try RevocationStatement(text: RevocationStatement.prefix + Base64.encode(bytes, alphabet: .url))
        }
        let stranger = SecretIdentity.generate()
        #expect(throws: VaultError.revocationOfUnknownKey(keyID: stranger.publicIdentity.keyID)) {
            _ = try ring.apply(RevocationStatement.make(revoking: stranger, time: 1), at: now)
        }
    }
}
