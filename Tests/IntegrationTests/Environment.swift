import Testing
import TestSupport
import Foundation

@Suite struct IntegrationEnvironment {
    @Test func builtProgramsAreFound() {
        #expect(TestEnvironment.binDirectory.path.hasPrefix("/"))
    }
}

@Suite struct SpawnedProcesses {
    @Test func stopEndsAChildAtOnceWithSIGTERM() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let p = try Spawned(["/bin/sleep", "100"], outputFile: dir.file("out"))
        let start = ContinuousClock.now
        p.stop(grace: 5)
        #expect(p.process.terminationReason == .uncaughtSignal)
        #expect(p.process.terminationStatus == SIGTERM)
        #expect(ContinuousClock.now - start < .seconds(4))
    }
}
