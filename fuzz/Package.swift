// swift-tools-version: 6.0
// libFuzzer harness for the TWS frame and message decoders, kept out of the main package because it
// only links with `-sanitize=fuzzer` (libFuzzer supplies the driver). Run: bash scripts/fuzz/libfuzzer.sh
import PackageDescription

let package = Package(
    name: "papertrader-fuzz",
    dependencies: [.package(path: "papertrader")],
    targets: [
        .executableTarget(
            name: "wire-fuzz",
            dependencies: [
                .product(name: "TWSWire", package: "papertrader"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
