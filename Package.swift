// swift-tools-version:6.1
import PackageDescription

// ai-mem runs on Linux only (it calls Glibc directly), so no Apple platform is declared.
// The module graph, from the bottom up (docs/ARCHITECTURE.md says why):
//   AIMemCore          observations, record codecs, JSON, encodings, I/O, threads — no C library
//   Sodium             the one Swift layer over libsodium (CSodium)
//   MemoryStore        AIMemCore + GRDB: the SQLite store, search, import/export, the merge session
//   Curl               the one Swift layer over libcurl (CCurl): HTTPS for hosted embedders
//   CKernels           C: int8 (AVX-512 VNNI), GELU and softmax kernels for the encoder; base64 (AVX-512 VBMI) and dot products for MemoryStore; chosen at run time
//   SentenceEmbedding  AIMemCore + Curl + CKernels: the embedders (MiniLM over OpenBLAS or int8, HTTP(S), lexical)
//   SecretScan         AIMemCore: the secret scanner (rules as data, learned from gitleaks)
//   Vault              AIMemCore + Sodium + MemoryStore + SecretScan: identities, keyring, snapshots, the secret gate
//   MemoryServer       AIMemCore + MemoryStore + Vault + SecretScan: the MCP server (JSON-RPC over stdio) and its tools
//   ai-mem             the command line over all of them
let package = Package(
    name: "ai-mem",
    products: [
        .executable(name: "ai-mem", targets: ["ai-mem"]),
        .library(name: "AIMemCore", targets: ["AIMemCore"]),
        .library(name: "MemoryStore", targets: ["MemoryStore"]),
        .library(name: "Sodium", targets: ["Sodium"]),
        .library(name: "Vault", targets: ["Vault"]),
        .library(name: "SentenceEmbedding", targets: ["SentenceEmbedding"]),
        .library(name: "MemoryServer", targets: ["MemoryServer"]),
        .library(name: "Curl", targets: ["Curl"]),
        .library(name: "SecretScan", targets: ["SecretScan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // The domain and the plumbing every other module shares; depends on nothing.
        .target(name: "AIMemCore"),
        // libsodium 1.0.18, from the system (Debian: libsodium-dev). Only `Sodium` imports it.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        // The one Swift layer over libsodium: every return code checked, typed errors.
        .target(name: "Sodium", dependencies: ["CSodium"]),
        // The SQLite store (GRDB), keyword/semantic/hybrid search, plain import/export,
        // the merge session and the ledger.
        .target(
            name: "MemoryStore",
            dependencies: ["AIMemCore", "CKernels", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The embedders: all-MiniLM-L6-v2 run locally (the one layer over OpenBLAS,
        // loaded at run time from the system: Debian's libopenblas-dev), an
        // OpenAI-compatible HTTP embedder, the lexical hashing embedder, and the choice
        // between them. No SQLite, no libsodium.
        .target(name: "SentenceEmbedding", dependencies: ["AIMemCore", "Curl", "CKernels"]),
        // Our own int8 matrix kernel for the encoder's linear layers (AVX-512 VNNI,
        // chosen at run time, with a portable reference): C for the vector
        // instructions Swift cannot select per function. `SentenceEmbedding` and `MemoryStore` import it.
        .target(name: "CKernels"),
        // libcurl (Debian: libcurl4-openssl-dev for the headers), for HTTPS to hosted
        // embedders, loaded with dlopen on first use (nothing linked: start-up stays as
        // fast). Only `Curl` imports it.
        .target(name: "CCurl"),
        // The secret scanner: credential rules as data (Rules/secret-rules.json, learned from
        // gitleaks, compiled in), one keyword pass per text, findings and redaction.
        .target(name: "SecretScan", dependencies: ["AIMemCore"], resources: [.embedInCode("Rules/secret-rules.json")]),
        // The one Swift layer over libcurl: HTTPS POST with verified certificates, every return code checked.
        .target(name: "Curl", dependencies: ["CCurl"]),
        // Identities, the keyring, and encrypted signed snapshots (docs/FORMAT.md, docs/KEYS.md).
        .target(name: "Vault", dependencies: ["AIMemCore", "Sodium", "MemoryStore", "SecretScan"]),
        // The Model Context Protocol server of `ai-mem mcp`: JSON-RPC 2.0 over stdio,
        // written from the specification (docs/design/mcp-sdk-choice.md says why), and
        // the memory tools.
        .target(name: "MemoryServer", dependencies: ["AIMemCore", "MemoryStore", "Vault", "SecretScan"]),
        // The command-line tool: argument parsing, settings, printing.
        .executableTarget(
            name: "ai-mem",
            dependencies: [
                "AIMemCore", "MemoryStore", "Vault", "SentenceEmbedding", "MemoryServer", "SecretScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The benchmark driver behind scripts/bench.sh (generates data, runs ai-mem, measures).
        .executableTarget(name: "ai-mem-bench", dependencies: ["AIMemCore", "MemoryStore", "SentenceEmbedding"]),
        .testTarget(
            name: "AIMemCoreTests",
            dependencies: ["AIMemCore", "TestFixtures", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Vectors"]
        ),
        .testTarget(name: "SecretScanTests", dependencies: ["SecretScan", "AIMemCore", "TestFixtures"]),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "AIMemCore", "TestFixtures"], exclude: ["Vectors"]),
        .testTarget(
            name: "VaultTests",
            dependencies: [
                "Vault", "AIMemCore", "Sodium", "MemoryStore", "SentenceEmbedding", "TestFixtures",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "MemoryStoreTests",
            dependencies: [
                "MemoryStore", "AIMemCore", "SentenceEmbedding", "TestFixtures",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        // What several test suites share: the fixtures (files under Tests/Fixtures) and a
        // local OpenAI-compatible embeddings server.
        .target(
            name: "TestFixtures",
            dependencies: ["AIMemCore", "SentenceEmbedding"],
            path: "Tests/TestFixtures"
        ),
        .testTarget(
            name: "SentenceEmbeddingTests",
            dependencies: [
                "SentenceEmbedding", "AIMemCore", "MemoryStore", "TestFixtures",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Reference", "Fixtures"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["ai-mem", "ai-mem-bench", "AIMemCore", "Vault", "Sodium", "MemoryStore", "SentenceEmbedding", "TestFixtures"]
        ),
    ]
)
