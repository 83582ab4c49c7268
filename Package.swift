// swift-tools-version: 6.1
import PackageDescription

// Library modules and what they own are described in README.md ("Layout").
// Dependencies point one way: executables → engines → BenchCore → Subunit;
// LinkSetup → Fabric → CRDMA.
let package = Package(
    name: "ibkit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ibsetup", targets: ["ibsetup"]),
        .executable(name: "ibbench", targets: ["ibbench"]),
        .library(name: "Subunit", targets: ["Subunit"]),
        .library(name: "Fabric", targets: ["Fabric"]),
        .library(name: "LinkSetup", targets: ["LinkSetup"]),
        .library(name: "BenchCore", targets: ["BenchCore"]),
        .library(name: "Mesh", targets: ["Mesh"]),
        .library(name: "PeerTools", targets: ["PeerTools"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CRDMA",
            providers: [.apt(["libibverbs-dev", "librdmacm-dev", "libibumad-dev"])]
        ),
        // CRC-32 by carry-less multiplication on x86-64, which Swift cannot
        // express; Subunit falls back to its own tables elsewhere.
        .target(name: "CSubunitCRC"),
        // recvmmsg(2) with per-datagram receive times for UDPBench: Swift's Glibc module
        // leaves out struct mmsghdr and the CMSG_* macros.
        .target(name: "CDatagrams"),
        // The one syscall funnel (EINTR retry, Errno, traps on bookkeeping bugs) and the one
        // errno name table, shared by every module that calls the kernel.
        // The one JSON value type (objects keep key order and repeated keys): Fabric writes it,
        // PeerTools parses other tools' output into it. Pure Swift, no dependencies.
        .target(name: "OrderedJSON"),
        .target(
            name: "SystemCalls",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "Subunit",
            dependencies: ["CSubunitCRC", "SystemCalls", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "Fabric",
            dependencies: [
                "CRDMA", "SystemCalls", "OrderedJSON",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "LinkSetup",
            dependencies: [
                "Fabric", "SystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "BenchCore",
            dependencies: [
                "Subunit", "SystemCalls",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TCPBench",
            dependencies: [
                "BenchCore", "SystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "UDPBench",
            dependencies: [
                "BenchCore", "SystemCalls", "CDatagrams",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `--counters`: port counter deltas attached to a run's results (BenchCore meets Fabric).
        .target(
            name: "RunCounters",
            dependencies: ["BenchCore", "Fabric", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "RDMABench",
            dependencies: [
                "BenchCore", "Fabric", "SystemCalls",
                "CRDMA",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "PeerTools", dependencies: ["BenchCore", "Fabric", "OrderedJSON", "SystemCalls"]),
        // The network-free core of `ibbench mesh`: host lists, schedule, verdicts, outputs.
        .target(name: "Mesh", dependencies: ["BenchCore"]),
        // `ibbench mesh` on the network: every rank's server and pair runner, and rank 0's
        // coordinator, on the control protocol.
        .target(
            name: "MeshRun",
            dependencies: [
                "Mesh", "BenchCore", "SystemCalls", "TCPBench", "RDMABench", "Subunit",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CompareEngines", dependencies: ["PeerTools", "TCPBench", "RDMABench", "BenchCore", "Fabric"]),
        // What both executables share: the one main(), the exit-status table, the stderr
        // writer and range-checked number parsing. ArgumentParser only, no engine.
        .target(
            name: "CommandSupport",
            dependencies: ["SystemCalls", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "ibsetup",
            dependencies: [
                "Fabric", "LinkSetup", "CommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ibbench",
            dependencies: [
                "Subunit", "BenchCore", "TCPBench", "UDPBench", "RDMABench", "PeerTools", "CompareEngines",
                "CommandSupport", "Mesh", "MeshRun", "RunCounters",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The decode/encode benchmark run by scripts/bench-subunit (not a test).
        .executableTarget(name: "subunit-bench", dependencies: ["Subunit", "BenchCore"]),
        .testTarget(name: "SubunitTests", dependencies: ["Subunit", "TestProcesses"], resources: [.copy("Fixtures")]),
        // The captured sysfs trees, stored as MANIFEST.tsv files (real sysfs is full of
        // symlink cycles that neither git nor SwiftPM's resource copying survive), and
        // the code that builds a tree from one; shared by the Fabric, LinkSetup and CLI
        // tests, which read the manifests in place (FixtureTrees.directory).
        .target(
            name: "SysfsFixtures",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            path: "Tests/SysfsFixtures",
            exclude: ["sysfs"]
        ),
        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls"]),
        // The one way tests run programs: to completion with input, time limit and captured
        // output, or as a child to kill or wait for. Foundation only.
        .target(name: "TestProcesses", path: "Tests/TestProcesses"),
        .testTarget(name: "FabricTests", dependencies: ["Fabric", "SysfsFixtures", "TestProcesses"]),
        .testTarget(name: "LinkSetupTests", dependencies: ["LinkSetup", "Fabric", "SysfsFixtures", "TestProcesses"]),
        .testTarget(name: "BenchCoreTests", dependencies: ["BenchCore", "Subunit"]),
        .testTarget(name: "TCPBenchTests", dependencies: [
            "TCPBench", "BenchCore", "Subunit", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "RunCountersTests", dependencies: ["RunCounters", "BenchCore", "Fabric", "SysfsFixtures"]),
        .testTarget(name: "UDPBenchTests", dependencies: [
            "UDPBench", "BenchCore", "Subunit", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "RDMABenchTests", dependencies: [
            "RDMABench", "TCPBench", "BenchCore", "TestProcesses", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "MeshTests", dependencies: ["Mesh"]),
        // Runs several `ibbench mesh` processes on loopback addresses and checks the whole run.
        .testTarget(name: "MeshRunTests", dependencies: ["ibbench", "Mesh", "Subunit", "BenchCore", "TestProcesses"]),
        .testTarget(name: "PeerToolsTests", dependencies: [
            "PeerTools", "CompareEngines", "TCPBench", "BenchCore", .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Fixtures")]),
        // Runs the built ibsetup/ibbench binaries: help text, exit statuses, end-to-end flows.
        .testTarget(name: "CLITests", dependencies: ["ibsetup", "ibbench", "Subunit", "SysfsFixtures", "TestProcesses"],
                    resources: [.copy("Fixtures")]),
    ]
)
