// kaconf's help texts, laid out as argument-parser lays them out (80
// columns, option help from column 27), which is what the golden tests in
// Tests/IntegrationTests/Golden hold and man/kaconf.1 follows. Written out
// rather than generated: four fixed texts do not need a layout engine.

enum Help {
    static let root = """
        OVERVIEW: Check, compile and show keepalived configurations.

        kaconf reads keepalived.conf (with its includes, $ definitions, @ conditionals
        and ~SEQ lines) as keepalived 2.2.7 does, checks every section, and writes the
        compiled form the daemons load. Exit status: 0 when the configuration is valid,
        1 when it has errors (or warnings with --werror).

        USAGE: kaconf <subcommand>

        OPTIONS:
          -h, --help              Show help information.

        SUBCOMMANDS:
          lint                    Check a configuration and report every problem.
          compile                 Compile a configuration into the form the daemons
                                  load.
          dump                    Show a configuration (text or compiled) as
                                  keepalived's --dump-conf would, or as JSON.

          See 'kaconf help <subcommand>' for detailed help.

        """

    static func usage(_ command: Subcommand?) -> String {
        let common = "[<file>] [--werror] [--offline] [--config-id <config-id>] [--all-config]"
        switch command {
        case nil: return "kaconf <subcommand>"
        case .lint: return "kaconf lint \(common)"
        case .compile: return "kaconf compile \(common) --output <output>"
        case .dump: return "kaconf dump \(common) [--json]"
        }
    }

    static func text(of command: Subcommand) -> String {
        let overview: String
        var extra = ""
        switch command {
        case .lint:
            overview = """
                OVERVIEW: Check a configuration and report every problem.

                """
        case .compile:
            overview = """
                OVERVIEW: Compile a configuration into the form the daemons load.

                A configuration with errors is refused, with what keepalived would have had to
                guess to run it.

                """
            extra = """
                  -o, --output <output>   Where to write the compiled configuration.

                """
        case .dump:
            overview = """
                OVERVIEW: Show a configuration (text or compiled) as keepalived's --dump-conf
                would, or as JSON.

                """
            extra = """
                  --json                  Print JSON (keys are the keywords, intervals in
                                          seconds).

                """
        }
        return overview + """

            USAGE: \(usage(command))

            ARGUMENTS:
              <file>                  The configuration file. (default:
                                      /etc/keepalived/keepalived.conf)

            OPTIONS:
              --werror                Treat warnings as errors.
              --offline               Skip the checks that ask this machine (interfaces,
                                      users, script files).
              -i, --config-id <config-id>
                                      The config-id for @ID lines and ${_INSTANCE}
                                      (default: the host name up to its first '.').
              -e, --all-config        Make every include check an error, as keepalived's -e
                                      does.

            """ + extra + """
              -h, --help              Show help information.


            """
    }
}
