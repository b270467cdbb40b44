// ipvs-vm-suite: every IPVS test case, run inside the IPVS guest in one
// boot (scripts/test.d/30-ipvs-vm.sh), each writing its result as JSON under
// --out; Tests/IntegrationTests/IPVSVMTests.swift asserts them on the host.
// Test-only: not installed, Foundation allowed.
//
//   ipvs-vm-suite --out test-out/ipvs [--only NAME]... [--bench-smoke] [--bench]
import Foundation
import TestSupport

var outDir = "test-out/ipvs"
var only: [String] = []
var benchMode: BenchSize?
var argv = CommandLine.arguments.dropFirst()
while let a = argv.popFirst() {
    switch a {
    case "--out": outDir = argv.popFirst() ?? outDir
    case "--only": if let n = argv.popFirst() { only.append(n) }
    case "--bench-smoke": benchMode = .smoke
    case "--bench": benchMode = .full
    case "--bench-size":
        // --bench-size SERVICES,FLIPS (for trying sizes between smoke and full)
        let parts = (argv.popFirst() ?? "").split(separator: ",").compactMap { Int($0) }
        if parts.count == 2 { benchMode = .custom(services: parts[0], flips: parts[1]) }
    case "--no-cases": only = ["-"]
    default:
        FileHandle.standardError.write("ipvs-vm-suite: unknown argument \(a)\n".data(using: .utf8)!)
        exit(2)
    }
}

guard getuid() == 0 else {
    print("ipvs-vm-suite: needs root inside the IPVS guest (run it through ipvs-vm)")
    exit(2)
}

let suite = Suite(outDir: outDir)
let started = Date()
for c in allCases where only.isEmpty || only.contains(c.name) {
    suite.run(c)
}
if let benchMode { suite.bench(benchMode) }
suite.writeSummary(seconds: Date().timeIntervalSince(started))
exit(suite.failed.isEmpty ? 0 : 1)
