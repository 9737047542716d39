import Sodium
import Testing

struct LibraryTests {
    @Test func randomBytesDiffer() {
        let a = RandomBytes.generate(count: 32)
        let b = RandomBytes.generate(count: 32)
        #expect(a.count == 32)
        #expect(a != b)
    }

    @Test func libsodiumVersionIs1_0_18OrLater() {
        #expect(Sodium.versionString.hasPrefix("1.0."))
    }
}
