// swift-tools-version: 5.4
// 5.4, not the main package's 6.1: from 5.5 on SwiftPM renames an executable's entry point to
// <module>_main and links with `--defsym main=<module>_main`, which leaves no room for
// libFuzzer's own main(). These targets define no main; libFuzzer's calls
// LLVMFuzzerTestOneInput.
import PackageDescription

// libFuzzer targets for ibkit's input decoders, outside the main package so that its
// `swift build` and `swift test` neither build nor wait for them. Built and run by
// scripts/fuzz, with -Xswiftc -sanitize=fuzzer,address applied to every module.
let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "ibkit-fuzz",
    dependencies: [.package(name: "ibkit", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .target(name: "PeerOutputFuzzing", dependencies: [
            "FuzzSupport",
            .product(name: "PeerTools", package: "ibkit"),
            .product(name: "BenchCore", package: "ibkit"),
        ]),
        .target(name: "SubunitFuzzing", dependencies: [.product(name: "Subunit", package: "ibkit")]),
        .executableTarget(name: "fuzz-subunit", dependencies: [
            "FuzzSupport", "SubunitFuzzing", .product(name: "Subunit", package: "ibkit"),
        ], swiftSettings: harness),
        .executableTarget(name: "fuzz-subunit-v1", dependencies: [
            "FuzzSupport", "SubunitFuzzing", .product(name: "Subunit", package: "ibkit"),
        ], swiftSettings: harness),
        .executableTarget(name: "fuzz-control", dependencies: [
            "FuzzSupport", .product(name: "BenchCore", package: "ibkit"), .product(name: "Subunit", package: "ibkit"),
        ], swiftSettings: harness),
        .executableTarget(name: "fuzz-netperf", dependencies: ["PeerOutputFuzzing"], swiftSettings: harness),
        .executableTarget(name: "fuzz-iperf3", dependencies: ["PeerOutputFuzzing"], swiftSettings: harness),
        .executableTarget(name: "fuzz-qperf", dependencies: ["PeerOutputFuzzing"], swiftSettings: harness),
        .executableTarget(name: "fuzz-perftest", dependencies: ["PeerOutputFuzzing"], swiftSettings: harness),
    ]
)
