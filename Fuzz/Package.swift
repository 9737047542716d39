// swift-tools-version:6.1
// libFuzzer targets for ai-mem. Built and run by scripts/fuzz.sh (not by `swift build`
// of the main package: they need -sanitize=fuzzer). Each has its own main, which hands
// the command line to libFuzzer's driver.
import PackageDescription

let package = Package(
    name: "ai-mem-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "FuzzSnapshotReader", dependencies: ["CFuzzerDriver", .product(name: "Vault", package: "main"), .product(name: "MemoryStore", package: "main"), .product(name: "AIMemCore", package: "main"), .product(name: "SentenceEmbedding", package: "main"), .product(name: "Sodium", package: "main")]),
        .executableTarget(name: "FuzzKeyParsers", dependencies: ["CFuzzerDriver", .product(name: "Vault", package: "main"), .product(name: "MemoryStore", package: "main"), .product(name: "AIMemCore", package: "main"), .product(name: "SentenceEmbedding", package: "main"), .product(name: "Sodium", package: "main")]),
    ]
)
