import Testing
import TestSupport

@Suite struct IntegrationEnvironment {
    @Test func builtProgramsAreFound() {
        #expect(TestEnvironment.binDirectory.path.hasPrefix("/"))
    }
}
