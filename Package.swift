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
        // Hardware CRC32C (SSE4.2) chosen at run time, with a portable table fallback. C because
        // Swift cannot reach the crc32 instruction without unsafe compiler flags
        // (see shared/reference/performance-notes.md).
        .target(name: "_SlogRingShims"),
        .target(
            name: "SlogRing",
            dependencies: ["_SlogRingShims"],
            swiftSettings: strictSettings + [.strictMemorySafety()]
        ),
        .target(name: "FlightRecorder", dependencies: ["SlogRing"], swiftSettings: strictSettings),
        // The input readers slog-tail and slog-diff share: SlogRing, Agoric flight-recorder.bin,
        // JSON lines; block attribution. Not a product.
        .target(name: "SlogInput", dependencies: ["FlightRecorder"], swiftSettings: strictSettings),
        .executableTarget(name: "slog-tail", dependencies: ["SlogInput"], swiftSettings: strictSettings),
        .executableTarget(name: "slog-diff", dependencies: ["SlogInput"], swiftSettings: strictSettings),
        .executableTarget(name: "slog-record", dependencies: ["FlightRecorder"], swiftSettings: strictSettings),
        .executableTarget(name: "slog-demo", dependencies: ["SlogRing", "FlightRecorder", "slog-tail", "slog-diff"], swiftSettings: strictSettings),
        // Test and soak helper: a real writer process that tests kill with SIGKILL. Not a
        // product. (Its old `bench` mode moved to slog-bench.)
        .executableTarget(name: "slog-stress", dependencies: ["SlogRing"], swiftSettings: strictSettings),
        // The benchmark harness (Benchmarks/README.md): `swift run -c release slog-bench`. Part of
        // this package, not a separate one, so `swift test` builds it and runs it in smoke mode.
        // Not a product. Depends on the CRC shim to reproduce the append protocol step by step.
        .executableTarget(
            name: "slog-bench",
            dependencies: ["SlogRing", "FlightRecorder", "_SlogRingShims"],
            path: "Benchmarks/Sources/slog-bench",
            swiftSettings: strictSettings
        ),
        // Helpers the test targets share: running the built tools, temporary directories, an
        // Agoric flight-recorder writer built from its specification. Not a product.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "SlogRingTests",
            dependencies: ["TestSupport", "SlogRing", "slog-stress", "slog-tail"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogTailTests",
            dependencies: ["TestSupport", "SlogInput", "FlightRecorder", "slog-tail", "slog-record", "slog-stress"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlightRecorderTests",
            dependencies: ["TestSupport", "FlightRecorder", "SlogRing", "slog-record", "slog-demo"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SlogDiffTests",
            dependencies: ["TestSupport", "SlogInput", "FlightRecorder", "slog-diff"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "BenchmarkSmokeTests", dependencies: ["slog-bench", "TestSupport"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
