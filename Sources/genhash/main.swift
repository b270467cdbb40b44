// genhash: the digest of a URL's body, as keepalived's HTTP_GET/SSL_GET `digest` expects it.
//
// Peers: one HTTP or HTTPS server, named by a literal IP address on the command line.
// User: the caller. Capabilities: none, except CAP_NET_ADMIN when -m/--fwmark sets SO_MARK.
// Touches: one TCP socket, stdout, stderr. No files, no Foundation (start-up cost: see
// scripts/bench.d/genhash.sh).
//
// Flags, output and digest follow keepalived 2.2.7's genhash (reference §3.4), plus -H and
// -r from the original design. One deliberate difference: failures exit non-zero (keepalived
// exits 0 on a refused connection); man/genhash.1 lists the statuses.
import Glibc
import HTTPClient

let options: Options
do {
    options = try parseCommandLine(Array(CommandLine.arguments.dropFirst()))
} catch .version {
    writeAll(1, genhashVersion + "\n")
    exit(0)
} catch .usage(let message) {
    if let message { writeAll(2, message + "\n") }
    writeAll(2, usageText(program: CommandLine.arguments.first ?? "genhash"))
    exit(1)
}

do {
    try fetch(options)
    exit(0)
} catch {
    writeAll(2, "genhash: \(error.message)\n")
    exit(error.exitStatus)
}
