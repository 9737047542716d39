// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ai-mem",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ai-mem", targets: ["ai-mem"]),
        .library(name: "MemoryStore", targets: ["MemoryStore"]),
        .library(name: "Sodium", targets: ["Sodium"]),
        .library(name: "Vault", targets: ["Vault"]),
        .library(name: "SentenceEmbedding", targets: ["SentenceEmbedding"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libsodium 1.0.18, from the system (Debian: libsodium-dev).
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The one Swift layer over libsodium; nothing else calls C.
        .target(name: "Sodium", dependencies: ["CSodium"]),
        // Observations, the SQLite store, search, embeddings, plain import/export.
        .target(
            name: "MemoryStore",
            dependencies: ["Sodium", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Sentence embeddings: all-MiniLM-L6-v2 run locally (the one layer over OpenBLAS,
        // loaded at run time from the system: Debian's libopenblas-dev),
        // an OpenAI-compatible HTTP embedder, and the choice between the embedders.
        // Optimised in debug builds too: unoptimised SIMD code made the encoder 10× slower in `swift test`.
        .target(
            name: "SentenceEmbedding",
            dependencies: ["MemoryStore"],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        // Identities, the keyring, and encrypted signed snapshots.
        .target(name: "Vault", dependencies: ["Sodium", "MemoryStore"]),
        // The command-line tool: argument parsing and printing only.
        .executableTarget(
            name: "ai-mem",
            dependencies: ["MemoryStore", "Vault", "SentenceEmbedding", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The benchmark driver behind scripts/bench.sh (generates data, runs ai-mem, measures).
        .executableTarget(name: "ai-mem-bench", dependencies: ["MemoryStore", "SentenceEmbedding"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium"], resources: [.copy("Vectors")]),
        .testTarget(
            name: "MemoryStoreTests",
            dependencies: ["MemoryStore", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: [.copy("Fixtures")]
        ),
        // A local OpenAI-compatible embeddings server for the tests.
        .target(name: "EmbeddingServerFixture", dependencies: ["MemoryStore"], path: "Tests/EmbeddingServerFixture"),
        .testTarget(
            name: "SentenceEmbeddingTests",
            dependencies: [
                "SentenceEmbedding", "MemoryStore", "EmbeddingServerFixture",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Reference"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ai-mem", "ai-mem-bench", "Vault", "MemoryStore", "SentenceEmbedding", "EmbeddingServerFixture"],
            resources: [.copy("Fixtures")]
        ),
    ]
)
