// swift-tools-version:6.0
// keepalived, rebuilt in Swift as a split-privilege toolkit.
// Layout and reasons: README.md (design section). Library modules hold the
// logic; Sources/<program>/ are thin executables.
import PackageDescription

let package = Package(
    name: "keepalived-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kaconf", targets: ["kaconf"]),
        .executable(name: "keepalived", targets: ["keepalived"]),
        .executable(name: "ipvs-applier", targets: ["ipvs-applier"]),
        .executable(name: "genhash", targets: ["genhash"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: System libraries and the C shim
        .systemLibrary(name: "CNetlink", pkgConfig: "libnl-genl-3.0",
                       providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "CShim"),

        // MARK: Bottom: the one binary encoding
        .target(name: "Codec"),

        // MARK: Configuration
        .target(name: "ConfigModel", dependencies: ["Codec"]),
        .target(name: "KeepalivedConfig", dependencies: ["ConfigModel"]),

        // MARK: Runtime shared by every program
        .target(name: "Posix", dependencies: ["CShim"]),
        .target(name: "Wire", dependencies: ["Codec", "Posix", "CShim"]),
        .target(name: "Reactor", dependencies: ["Posix", "CShim"]),
        .target(name: "Sandbox", dependencies: ["Posix", "CShim", "CCap", "CSeccomp"]),
        // The supervisor's decisions, as pure code on an injected clock.
        .target(name: "Supervision", dependencies: ["Wire", "Reactor", "Posix", "ConfigModel"]),
        // What every program shares: logging, pid files, profiles, scripts, links.
        .target(name: "DaemonSupport", dependencies: [
            "Posix", "Wire", "Reactor", "Sandbox", "ConfigModel", "CShim",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: IPVS: desired state, admission, diff (pure); the netlink client
        .target(name: "IPVS", dependencies: ["ConfigModel"]),
        .target(name: "Netlink", dependencies: ["CNetlink", "ConfigModel", "IPVS"]),
        // MARK: HTTP and TLS client, no I/O of its own (genhash and checkd drive it)
        .target(name: "HTTPClient", dependencies: ["COpenSSL"]),

        // MARK: Programs
        .executableTarget(name: "kaconf", dependencies: [
            "KeepalivedConfig", "ConfigModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "keepalived", dependencies: [
            "Supervision", "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix", "ConfigModel", "Codec", "CShim",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // TEST-ONLY: a stand-in daemon for the supervisor's tests (not installed).
        .executableTarget(name: "ka-testchild", dependencies: [
            "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "ipvs-applier", dependencies: [
            "IPVS", "Netlink", "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix", "ConfigModel", "Codec",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: Test programs (built with the tests, never installed)
        // Runs every IPVS case inside the IPVS guest (scripts/test.d/30-ipvs-vm.sh).
        .executableTarget(name: "ipvs-vm-suite", dependencies: ["IPVS", "Netlink", "ConfigModel", "Codec", "Wire", "Posix", "TestSupport"]),
        // Static Swift runtime: genhash is started once per digest, and the shared
        // runtime's loading costs it ~1 ms and 3 MB of RSS (scripts/bench.d/genhash.sh).
        .executableTarget(name: "genhash", dependencies: ["HTTPClient"],
                          linkerSettings: [.unsafeFlags(["-static-stdlib"])]),

        // MARK: Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Namespace, reference-interop and VM-result tests; one file per area.
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport"]),
        .testTarget(name: "CodecTests", dependencies: ["Codec"]),
        .testTarget(name: "ConfigModelTests", dependencies: ["ConfigModel"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Codec", "Posix"]),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor", "Posix"]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision", "Wire", "Reactor", "Posix", "ConfigModel"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Posix", "TestSupport"]),
        .testTarget(name: "DaemonSupportTests", dependencies: ["DaemonSupport", "Wire", "Reactor", "Posix", "ConfigModel", "TestSupport",
                                                              .product(name: "Logging", package: "swift-log")]),
        // The supervisor and the sandbox, run for real (as root) with ka-testchild.
        .testTarget(name: "SupervisorTests", dependencies: ["TestSupport", "ConfigModel", "Codec", "Supervision"]),
        .testTarget(name: "KeepalivedConfigTests", dependencies: ["KeepalivedConfig", "ConfigModel"]),
        .testTarget(name: "IPVSTests", dependencies: ["IPVS", "ConfigModel"]),
        .testTarget(name: "IPVSNetlinkTests", dependencies: ["Netlink", "IPVS", "ConfigModel"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "COpenSSL"]),
    ]
)
