import Sodium
import Testing

@Suite struct BLAKE2bTests {
    /// RFC 7693 appendix A: BLAKE2b-512("abc").
    @Test func rfc7693Vector() {
        let expected = "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        #expect(Hex.encode(BLAKE2b.hash(Array("abc".utf8), outputLength: 64)) == expected)
        let hasher = BLAKE2b.Hasher()
        hasher.update(Array("a".utf8))
        hasher.update([])
        hasher.update(Array("bc".utf8))
        #expect(Hex.encode(hasher.finish()) == expected)
    }

    /// Any split of the input gives the one-shot digest.
    @Test func incrementalEqualsOneShot() {
        var generator = SodiumRandomNumberGenerator()
        for length in [0, 1, 127, 128, 129, 1000, 70_000] {
            let message = RandomBytes.generate(count: length)
            let hasher = BLAKE2b.Hasher(outputLength: 64)
            var offset = 0
            while offset < length {
                let step = Int.random(in: 1...300, using: &generator)
                hasher.update(Array(message[offset..<min(length, offset + step)]))
                offset += step
            }
            #expect(hasher.finish() == BLAKE2b.hash(message, outputLength: 64))
        }
    }
}
