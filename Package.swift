// swift-tools-version:6.0
// SOR: System Oceny Rozmów. See Documentation/Architecture.md for why each target and dependency exists.
import PackageDescription

let package = Package(
    name: "sor",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sor", targets: ["sor"]),
        .executable(name: "sor-bench", targets: ["SORBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
    ],
    targets: [
        // Value types and pure stages. Foundation only.
        .target(name: "SORCore"),

        // One module per C library, each used by exactly one adapter.
        .systemLibrary(name: "CSndfile", path: "Sources/C/CSndfile"),
        .systemLibrary(name: "CMpg123", path: "Sources/C/CMpg123"),
        .systemLibrary(name: "CSoxr", path: "Sources/C/CSoxr"),
        .systemLibrary(name: "CHunspell", path: "Sources/C/CHunspell"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/C/COpenBLAS"),
        .systemLibrary(name: "CHaru", path: "Sources/C/CHaru"),
        .systemLibrary(name: "CCrypt", path: "Sources/C/CCrypt"),
        .systemLibrary(name: "CCmark", path: "Sources/C/CCmark"),
        // libcurl's setopt/getinfo are variadic, which Swift cannot call: a small C shim wraps them.
        .target(name: "CCurl", path: "Sources/C/CCurl", linkerSettings: [.linkedLibrary("curl")]),

        // Adapters.
        .target(name: "SORAudio", dependencies: ["SORCore", "CSndfile", "CMpg123", "CSoxr"]),
        .target(name: "SORSpeech", dependencies: ["SORCore", "CCurl"]),
        // Who spoke when: pyannote segmentation-3.0 and CAM++ run in Swift on OpenBLAS, and the clustering.
        // Always optimised: the networks are loops around BLAS calls, far too slow unoptimised even in tests.
        .target(
            name: "SORDiarization", dependencies: ["SORCore", "COpenBLAS"],
            swiftSettings: [.unsafeFlags(["-O"])]),
        // Loudness, pitch and spectral balance of utterances, for arousal. Always optimised, like the diarizer: a
        // pitch tracker is inner loops over samples.
        .target(name: "SORAcoustics", dependencies: ["SORCore"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "SORSite", dependencies: [
            "SORCore", "CCmark", .product(name: "Mustache", package: "swift-mustache"),
        ]),

        // Scorecard rules on a call's words: Polish lemmas (libhunspell + hunspell-pl), fuzzy phrases, evidence.
        .target(name: "SORScoring", dependencies: ["SORCore", "CHunspell"]),

        // Sentiment of utterances and calls: a lexicon (data in Lexicon/, matched on SORScoring's lemmas) and rules.
        .target(name: "SORSentiment", dependencies: ["SORCore", "SORScoring"], resources: [.copy("Lexicon")]),

        // Files that leave the site: PDFs (libharu, DejaVu embedded), XLSX (ZIPFoundation + SpreadsheetML), CSV.
        .target(name: "SORReports", dependencies: [
            "SORCore", "SORSite", "CHaru", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),

        // I/O edges: configuration files, the store, the pipeline, the engine's process.
        .target(name: "SORRuntime", dependencies: [
            "SORCore", "SORAudio", "SORSpeech", "SORSite", "SORReports", "SORScoring", "SORDiarization", "SORSentiment",
            "SORAcoustics", "CCrypt", .product(name: "Yams", package: "Yams"),
            .product(name: "Crypto", package: "swift-crypto"),
            // The telephone exchange's CDR files (every field quoted, commas inside): read with a CSV library.
            .product(name: "CSV", package: "CSV.swift"),
        ]),

        // The executable: argument parsing and nothing else.
        .executableTarget(name: "sor", dependencies: [
            "SORRuntime", "SORCore", "SORSentiment",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // `make bench`: speed and memory on real inputs, kept out of the product (nothing here ships in `sor`).
        .executableTarget(name: "SORBench", dependencies: [
            "SORRuntime", "SORCore", "SORAudio", "SORSpeech", "SORDiarization", "SORSentiment", "SORAcoustics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SORCoreTests", dependencies: ["SORCore"]),
        .testTarget(name: "SORAudioTests", dependencies: ["SORAudio", "SORCore"]),
        .testTarget(name: "SORDiarizationTests", dependencies: ["SORDiarization", "SORAudio", "SORCore"]),
        .testTarget(name: "SORScoringTests", dependencies: ["SORScoring", "SORCore"]),
        .testTarget(name: "SORSpeechTests", dependencies: ["SORSpeech", "SORCore"]),
        .testTarget(name: "SORSentimentTests", dependencies: ["SORSentiment", "SORCore"]),
        .testTarget(name: "SORAcousticsTests", dependencies: ["SORAcoustics", "SORAudio", "SORCore"]),
        .testTarget(name: "SORSiteTests", dependencies: ["SORSite", "SORCore"], exclude: ["__Snapshots__"]),
        .testTarget(name: "SORReportsTests", dependencies: ["SORReports", "SORSite", "SORCore"]),
        .testTarget(name: "SORRuntimeTests", dependencies: ["SORRuntime", "SORCore", "SORSpeech", "SORAudio"]),
        // Drives the built `sor` binary with the real speech engine on real audio.
        // (SORRuntime only for fixtures the binary cannot make yet: see BrowserFixtures.swift.)
        .testTarget(name: "EndToEndTests", dependencies: ["SORCore"]),
    ],
    swiftLanguageModes: [.v6]
)
