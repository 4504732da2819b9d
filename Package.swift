// swift-tools-version:6.2
import PackageDescription

// Settings every Swift target gets: Swift 6 mode is set package-wide below; these upcoming
// features make imports and existentials explicit (swift-log does the same).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Invariant checkers (`_checkInvariants()`) run after every mutation in debug builds only.
    .define("SLOG_INTERNAL_CHECKS", .when(configuration: .debug)),
]

// Library targets also check memory safety: every unsafe construct is marked `unsafe`, and the
// non-obvious ones say why it is sound (`// Safe:`).
let librarySettings = strictSettings + [.strictMemorySafety()]

let package = Package(
    name: "FlightRecorder",
    products: [
        .library(name: "SlogRing", targets: ["SlogRing"]),
        .library(name: "FlightRecorder", targets: ["FlightRecorder"]),
        .executable(name: "slog-tail", targets: ["slog-tail"]),
        .executable(name: "slog-diff", targets: ["slog-diff"]),
        .executable(name: "slog-demo", targets: ["slog-demo"]),
        .executable(name: "slog-record", targets: ["slog-record"]),
    ],
    targets: [
        // Hardware CRC32C (SSE4.2) chosen at run time, with a portable table fallback, and
        // renameat2(RENAME_NOREPLACE). C because
        // Swift cannot reach the crc32 instruction without unsafe compiler flags
        // (see shared/reference/performance-notes.md).
        .target(name: "_SlogRingShims"),
        .target(name: "SlogRing", dependencies: ["_SlogRingShims"], swiftSettings: librarySettings),
        // The slog vocabulary every reader and writer shares: markers and their record kinds,
        // JSON scanning and the one escaper, the consensus normalizer and its field list,
        // SHA-256, the block fingerprint. Not a product: FlightRecorder's public API does not
        // expose it.
        .target(name: "SlogModel", dependencies: ["SlogRing"], swiftSettings: librarySettings),
        .target(name: "FlightRecorder", dependencies: ["SlogRing", "SlogModel"], swiftSettings: librarySettings),
        // The input readers slog-tail and slog-diff share: SlogRing, Agoric flight-recorder.bin,
        // JSON lines; block attribution. Not a product.
        .target(name: "SlogInput", dependencies: ["SlogRing", "SlogModel"], swiftSettings: librarySettings),
        // What the operator-facing executables (slog-tail, slog-diff, slog-record, slog-demo) need:
        // buffered output with EPIPE handling, error printing, the argument cursor and usage
        // errors. Its writes go through SlogRing's system-call wrappers (the one EINTR loop).
        // Not a product.
        .target(name: "ToolSupport", dependencies: ["SlogRing"], swiftSettings: librarySettings),
        // One generator of Agoric-shaped slog and one SplitMix64, shared by the tests, the demo
        // and the benchmarks. Not a product.
        .target(name: "SlogSamples", swiftSettings: librarySettings),
        .executableTarget(
            name: "slog-tail", dependencies: ["SlogInput", "SlogModel", "SlogRing", "ToolSupport"],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "slog-diff", dependencies: ["SlogInput", "SlogModel", "ToolSupport"],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "slog-record", dependencies: ["FlightRecorder", "SlogModel", "SlogRing", "ToolSupport"], swiftSettings: strictSettings),
        // The README's main job. Runs slog-tail and slog-diff as processes, so it depends on them
        // to have them built.
        .executableTarget(
            name: "slog-demo",
            dependencies: ["SlogRing", "FlightRecorder", "SlogSamples", "ToolSupport", "slog-tail", "slog-diff", "slog-record"],
            swiftSettings: strictSettings),
        // Test and soak helper: a real writer process that tests kill with SIGKILL. Not a
        // product.
        .executableTarget(name: "slog-stress", dependencies: ["SlogRing", "SlogSamples"], swiftSettings: strictSettings),
        // The benchmark harness (Benchmarks/README.md): `swift run -c release slog-bench`. Part of
        // this package, not a separate one, so `swift test` builds it and runs it in smoke mode.
        // Not a product. Depends on the CRC shim to reproduce the append protocol step by step.
        .executableTarget(
            name: "slog-bench",
            dependencies: ["SlogRing", "FlightRecorder", "SlogSamples", "_SlogRingShims"],
            path: "Benchmarks/Sources/slog-bench",
            swiftSettings: strictSettings
        ),
        // Helpers the test targets share: running the built tools, temporary directories, an
        // Agoric flight-recorder writer built from its specification, the real slog samples.
        // Not a product.
        .target(
            name: "TestSupport", dependencies: ["SlogRing", "SlogModel", "FlightRecorder"], path: "Tests/TestSupport",
            swiftSettings: strictSettings),
        // One test target per source target; ToolTests runs the executables and checks the docs.
        .testTarget(
            name: "SlogRingTests",
            dependencies: ["TestSupport", "SlogRing", "SlogSamples", "slog-stress", "slog-tail"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogModelTests", dependencies: ["TestSupport", "SlogModel", "SlogRing", "SlogSamples"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "FlightRecorderTests",
            dependencies: ["TestSupport", "FlightRecorder", "SlogModel", "SlogRing"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogInputTests",
            dependencies: ["TestSupport", "SlogInput", "SlogModel", "SlogRing", "SlogSamples", "FlightRecorder"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogTailTests",
            dependencies: ["TestSupport", "SlogModel", "SlogRing", "FlightRecorder", "slog-tail", "slog-record", "slog-stress"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogDiffTests",
            dependencies: ["TestSupport", "SlogModel", "SlogRing", "SlogSamples", "FlightRecorder", "slog-diff"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ToolTests",
            dependencies: ["TestSupport", "FlightRecorder", "SlogModel", "SlogRing", "ToolSupport", "slog-record", "slog-demo", "slog-tail", "slog-diff"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BenchmarkSmokeTests", dependencies: ["slog-bench", "TestSupport"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
