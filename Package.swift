// swift-tools-version: 6.1
import PackageDescription

// Dependency direction follows DESIGN.md's module table: imports point only down the table.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "papertrader",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "papertrader", targets: ["papertrader"]),
        .library(name: "TWSWire", targets: ["TWSWire"]),
        .library(name: "TWSClient", targets: ["TWSClient"]),
        .library(name: "GatewaySimulator", targets: ["GatewaySimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        .target(name: "OptionsModel", swiftSettings: swiftSettings),
        .target(
            name: "TWSWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TWSClient",
            dependencies: [
                "TWSWire", "OptionsModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatewaySimulator",
            dependencies: [
                "TWSWire", "OptionsModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PolygonClient",
            dependencies: ["OptionsModel", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SnapshotStore",
            dependencies: [
                "OptionsModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MarketData",
            dependencies: [
                "TWSClient", "PolygonClient", "SnapshotStore", "OptionsModel",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Trading",
            dependencies: [
                "MarketData", "SnapshotStore", "OptionsModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Replay",
            dependencies: [
                "Trading", "SnapshotStore", "MarketData", "OptionsModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AppConfig",
            dependencies: ["OptionsModel", "Trading", "PolygonClient", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Orchestrator",
            dependencies: [
                "OptionsModel", "TWSWire", "TWSClient", "GatewaySimulator", "PolygonClient", "SnapshotStore",
                "MarketData", "Trading", "Replay", "AppConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks, fuzz drivers and the wire-capture decoder behind `papertrader bench ...` and
        // `papertrader wire decode`: developer tools, kept out of the product's CLI code.
        .target(
            name: "Tools",
            dependencies: [
                "OptionsModel", "TWSWire", "TWSClient", "GatewaySimulator", "SnapshotStore", "AppConfig",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "papertrader",
            dependencies: [
                "Orchestrator", "GatewaySimulator", "AppConfig", "Tools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shared test helpers: fixture loading, simulator harness, mock clock.
        .target(
            name: "TestSupport",
            dependencies: [
                "OptionsModel", "TWSWire", "GatewaySimulator",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "OptionsModelTests", dependencies: ["OptionsModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TWSWireTests",
            dependencies: [
                "TWSWire", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TWSClientTests", dependencies: ["TWSClient", "GatewaySimulator", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewaySimulatorTests", dependencies: ["GatewaySimulator", "TWSWire", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PolygonClientTests",
            dependencies: [
                "PolygonClient", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SnapshotStoreTests",
            dependencies: [
                "SnapshotStore", "OptionsModel", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketDataTests", dependencies: ["MarketData", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TradingTests", dependencies: ["Trading", "MarketData", "OptionsModel", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReplayTests",
            dependencies: ["Replay", "Trading", "SnapshotStore", "MarketData", "OptionsModel", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppConfigTests", dependencies: ["AppConfig", "OptionsModel", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: [
                "Orchestrator", "TestSupport", "AppConfig", "SnapshotStore", "OptionsModel", "MarketData", "Trading",
                "TWSClient", "TWSWire", "GatewaySimulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
