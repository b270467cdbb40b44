// swift-tools-version:6.0
// keepalived, rebuilt in Swift as a split-privilege toolkit.
// Layout and reasons: README.md (design section). Library modules hold the
// logic; Sources/<program>/ are thin executables.
import PackageDescription

// How the static programs (vrrpd, kaconf, genhash) are linked: lld, exporting nothing
// (swiftc's -static-stdlib exports every symbol, which fills the mapped
// .dynsym/.dynstr/.gnu.hash and keeps every public symbol from
// --gc-sections), relative relocations packed (DT_RELR: 700 KB of .rela.dyn
// read at every start becomes 6 KB). Nothing is dlsym'd from the programs.
// vrrpd, 200 instances: RSS 13.6 -> 12.0 MB, its binary's resident pages 8.1 -> 6.6 MB.
// kaconf compiling 200 instances: max RSS 11.0 -> 9.4 MB; `genhash --help` 7.4 -> 6.1 MB.
// The C++ runtime the Swift runtime needs comes from libstdc++.a, not the
// shared library (linker/static-libstdc++/libstdc++.so says why): RSS -900 KB.
// Dynamic exclusivity checks (swift_beginAccess, a thread-local lookup per
// access to a class property or global) in release builds of the code on
// the hot paths: the encoder's shared buffer (~5% of a large compile), the
// reactor, checkd's scheduler, probe runner and HTTP client (where
// swift_beginAccess and its thread-local lookup showed in the per-check
// profile, perf in the benchmark guest), and vrrpd's advert path (VRRP,
// VRRPIO, VRRPService, Posix: 4 % of its steady-state instructions under
// callgrind). Debug builds, which the tests run, keep them.
// Release builds also put each function in a section of its own, so that
// the linker's symbol ordering (hotTextFirst) can move functions one by one:
// without it swiftc emits one .text per file and lld could only move whole
// files, which spread vrrpd's 60 KB of steady-state code over 248 KB (42
// pages touched per wake-up instead of ~15).
let functionSections: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"], .when(configuration: .release))]
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
    + functionSections

/// Release links place the functions a daemon runs in its steady state
/// first and together (lld's symbol ordering), so the few pages of code it
/// keeps touching are all it keeps resident once it releases its start-up
/// code (a fault maps the 64 KB around it: scattered hot code kept 3.7 MB of
/// vrrpd's text resident). The list comes from scripts/hot-text.sh.
func hotTextFirst(_ list: String) -> [String] {
    ["-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/\(list)", "-Xlinker", "--no-warn-symbol-ordering"]
}

let leanStaticLink = ["-static-stdlib", "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
                      "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                      "-L\(Context.packageDirectory)/linker/static-libstdc++"]

let package = Package(
    name: "keepalived-swift",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kaconf", targets: ["kaconf"]),
        .executable(name: "checkd", targets: ["checkd"]),
        .executable(name: "keepalived", targets: ["keepalived"]),
        .executable(name: "ka-script-host", targets: ["ka-script-host"]),
        .executable(name: "vrrpd", targets: ["vrrpd"]),
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
        .target(name: "CShim", cSettings: [.unsafeFlags(["-ffunction-sections"], .when(configuration: .release))]),

        // MARK: Bottom: the one binary encoding
        .target(name: "Codec", swiftSettings: hotPath),

        // MARK: Configuration
        .target(name: "ConfigModel", dependencies: ["Codec"], swiftSettings: functionSections),
        .target(name: "KeepalivedConfig", dependencies: ["ConfigModel"]),

        // MARK: Health checking (pure logic: scheduler, verdicts, probes)
        .target(name: "Checkers", dependencies: ["ConfigModel", "HTTPClient"], swiftSettings: hotPath),

        // MARK: Runtime shared by every program
        .target(name: "Posix", dependencies: ["CShim"], swiftSettings: hotPath),
        .target(name: "Wire", dependencies: ["Codec", "Posix", "CShim"], swiftSettings: functionSections),
        .target(name: "Reactor", dependencies: ["Posix", "CShim"], swiftSettings: hotPath),
        .target(name: "Sandbox", dependencies: ["Posix", "CShim", "CCap", "CSeccomp"], swiftSettings: functionSections),
        // The supervisor's decisions, as pure code on an injected clock.
        .target(name: "Supervision", dependencies: ["Wire", "Reactor", "Posix", "ConfigModel"]),
        // What every program shares: logging, pid files, profiles, scripts, links,
        // peer sockets, configuration sources. No argument-parser (see CommandLineOptions).
        .target(name: "DaemonCore", dependencies: [
            "Posix", "Wire", "Reactor", "Sandbox", "ConfigModel", "CShim", "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: functionSections),
        // DaemonCore (re-exported), plus the shared daemon options and Daemon.start.
        .target(name: "DaemonSupport", dependencies: [
            "DaemonCore", "Posix", "Wire", "Reactor", "Sandbox", "ConfigModel", "CShim", "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // argument-parser's syntax, help and errors without its Foundation: for programs that start small.
        .target(name: "CommandLineOptions", swiftSettings: functionSections),

        // MARK: IPVS: desired state, admission, diff (pure)
        .target(name: "IPVS", dependencies: ["ConfigModel"]),

        // MARK: checkd's I/O: probe sockets, track files (syscalls live here, not in Checkers)
        .target(name: "CheckerIO", dependencies: ["Checkers", "ConfigModel", "Reactor", "Posix", "CShim"], swiftSettings: hotPath),
        // MARK: VRRP (pure protocol logic: codec, validation, state machine)
        .target(name: "VRRP", dependencies: ["ConfigModel"], swiftSettings: hotPath),
        // rtnetlink (addresses, links), raw: what vrrpd links.
        .target(name: "Netlink", dependencies: ["Posix", "CShim", "ConfigModel"], swiftSettings: functionSections),
        // Generic netlink for IPVS (through libnl-genl): only ipvs-applier links it.
        .target(name: "IPVSNetlink", dependencies: ["Posix", "CShim", "ConfigModel", "CNetlink", "IPVS"]),
        // vrrpd's sockets: raw IP for adverts, AF_PACKET for gratuitous ARP / NA.
        .target(name: "VRRPIO", dependencies: ["VRRP", "Posix", "CShim", "ConfigModel"], swiftSettings: hotPath),
        // vrrpd's engine: instances on the reactor, carried out over VRRPIO and Netlink.
        .target(name: "VRRPService", dependencies: ["VRRP", "VRRPIO", "Netlink", "Reactor", "Posix", "ConfigModel"], swiftSettings: hotPath),
        // MARK: HTTP and TLS client, no I/O of its own (genhash and checkd drive it)
        .target(name: "HTTPClient", dependencies: ["COpenSSL"], swiftSettings: hotPath),

        // MARK: Programs
        // Static Swift runtime and no argument-parser (CommandLineOptions instead):
        // kaconf runs on every reload, and the two cost it 6 MB of RSS and 4.5 ms
        // before it reads a byte (`kaconf --help`: 12.6 -> 6.3 MB, 6.8 -> 2.2 ms).
        .executableTarget(name: "kaconf", dependencies: ["KeepalivedConfig", "ConfigModel", "CommandLineOptions"],
                          linkerSettings: [.unsafeFlags(leanStaticLink)]),

        // Static Swift runtime, no Foundation (CommandLineOptions, not argument-parser), as vrrpd.
        .executableTarget(name: "checkd", dependencies: [
            "Checkers", "CheckerIO", "ConfigModel", "Codec", "HTTPClient", "Reactor", "Posix", "Wire", "Sandbox", "DaemonSupport",
            "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath, linkerSettings: [.unsafeFlags(leanStaticLink)]),
        // Static Swift runtime, no Foundation (CommandLineOptions, not argument-parser):
        // vrrpd runs for months next to keepalived's 1.5 MB VRRP process (scripts/bench.d/vrrp.sh).
        .executableTarget(name: "vrrpd", dependencies: [
            "VRRPService", "VRRP", "ConfigModel", "Reactor", "Posix", "Wire", "CShim", "DaemonCore", "Sandbox",
            "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ], exclude: ["hot-text.order"], swiftSettings: hotPath,
           linkerSettings: [.unsafeFlags(leanStaticLink), .unsafeFlags(hotTextFirst("Sources/vrrpd/hot-text.order"), .when(configuration: .release))]),
        .executableTarget(name: "keepalived", dependencies: [
            "Supervision", "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix", "ConfigModel", "Codec", "CShim",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Runs the scripts of a daemon started alone (installed with the daemons).
        .executableTarget(name: "ka-script-host", dependencies: [
            "DaemonSupport", "Wire", "Reactor", "Sandbox",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Benchmark driver for scripts/bench.d/reactor.sh (not installed).
        .executableTarget(name: "reactor-bench", dependencies: ["Reactor", "DaemonSupport"]),
        // TEST-ONLY: a stand-in daemon for the supervisor's tests (not installed).
        .executableTarget(name: "ka-testchild", dependencies: [
            "CShim", "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix", "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Static Swift runtime, no Foundation (CommandLineOptions), as vrrpd and checkd.
        .executableTarget(name: "ipvs-applier", dependencies: [
            "IPVS", "IPVSNetlink", "DaemonSupport", "Wire", "Reactor", "Sandbox", "Posix", "ConfigModel", "Codec",
            "CommandLineOptions",
            .product(name: "Logging", package: "swift-log"),
        ], linkerSettings: [.unsafeFlags(leanStaticLink)]),

        // MARK: Test programs (built with the tests, never installed)
        // Counts the heap allocations of vrrpd's per-packet paths (scripts/bench.d/vrrp.sh, release).
        .target(name: "CAllocationCounter"),
        .executableTarget(name: "vrrp-alloc-probe", dependencies: ["CAllocationCounter", "VRRP", "VRRPIO", "Reactor", "Posix", "ConfigModel"]),
        // Runs every IPVS case inside the IPVS guest (scripts/test.d/30-ipvs-vm.sh).
        .executableTarget(name: "ipvs-vm-suite", dependencies: ["IPVS", "IPVSNetlink", "ConfigModel", "Codec", "Wire", "Posix", "TestSupport"]),
        // Static Swift runtime: genhash is started once per digest, and the shared
        // runtime's loading costs it ~1 ms and 3 MB of RSS (scripts/bench.d/genhash.sh).
        .executableTarget(name: "genhash", dependencies: ["HTTPClient"],
                          linkerSettings: [.unsafeFlags(leanStaticLink)]),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["CShim"], path: "Tests/TestSupport"),
        // Namespace, reference-interop and VM-result tests; one file per area.
        .testTarget(name: "IntegrationTests", dependencies: ["TestSupport", "CShim"], exclude: ["Golden"]),
        .testTarget(name: "CodecTests", dependencies: ["Codec"]),
        .testTarget(name: "CommandLineOptionsTests", dependencies: ["CommandLineOptions"]),
        .testTarget(name: "ConfigModelTests", dependencies: ["ConfigModel"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Codec", "Posix"]),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor", "Posix"]),
        .testTarget(name: "SupervisionTests", dependencies: ["Supervision", "Wire", "Reactor", "Posix", "ConfigModel"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Posix", "TestSupport"]),
        .testTarget(name: "DaemonSupportTests", dependencies: ["DaemonCore", "Wire", "Reactor", "Posix", "ConfigModel", "TestSupport",
                                                              .product(name: "Logging", package: "swift-log")]),
        // The supervisor and the sandbox, run for real (as root) with ka-testchild.
        .testTarget(name: "SupervisorTests", dependencies: ["TestSupport", "ConfigModel", "Codec", "Supervision"],
                    exclude: ["golden"]),
        .testTarget(name: "KeepalivedConfigTests", dependencies: ["KeepalivedConfig", "ConfigModel", "Codec"]),
        .testTarget(name: "CheckersTests", dependencies: ["Checkers", "ConfigModel", "HTTPClient"]),
        .testTarget(name: "CheckdTests", dependencies: ["ConfigModel", "Wire", "Posix", "TestSupport"]),
        .testTarget(name: "CheckerIOTests", dependencies: ["CheckerIO", "Checkers", "ConfigModel", "Reactor", "TestSupport"]),
        .testTarget(name: "VRRPTests", dependencies: ["VRRP", "ConfigModel"]),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "ConfigModel", "TestSupport"]),
        .testTarget(name: "VRRPIOTests", dependencies: ["VRRPIO", "VRRP", "ConfigModel", "TestSupport"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "COpenSSL"]),
        .testTarget(name: "IPVSTests", dependencies: ["IPVS", "ConfigModel"]),
        .testTarget(name: "IPVSNetlinkTests", dependencies: ["IPVSNetlink", "IPVS", "ConfigModel"]),
    ]
)
