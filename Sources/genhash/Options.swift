import Glibc
import HTTPClient

/// What the command line asks for.
struct Options {
    var server: String = ""
    var port: UInt16 = 0
    var url: String = ""
    var useTLS = false
    var useSNI = false
    var virtualHost: String?
    var verbose = false
    var fwmark: UInt32?
    var version: HTTPProtocolVersion = .http10
    /// Seconds of inactivity allowed per step (connect, each read and write); nil waits forever, as keepalived does.
    var timeout: Int?
    var hash: HashAlgorithm = .md5
}

/// How parsing ended when it did not produce options to run with.
enum CommandLineOutcome: Error {
    /// Print the usage (after `message`, if any) on stderr and exit 1, as keepalived does.
    case usage(message: String?)
    /// `-r`: print the version and exit 0.
    case version
}

let genhashVersion = "genhash 2.2.7-swift (keepalived-swift; flags and output of keepalived 2.2.7's genhash)"

/// keepalived's usage text, with the two flags its 2.2.7 build dropped (-H, -r)
/// back in; like keepalived's, it names the program as it was invoked.
func usageText(program: String) -> String { """
    Usage: \(program) COMMAND [OPTIONS]
    Commands:
       -s server-address -p port -u url
       -S -s server-address -p port -u url
       -h
       -r

    Options:
    Either long or short options are allowed.
       --use-ssl         -S       Use SSL connection to remote server.
       --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
       --server          -s       Use the specified remote server address.
       --port            -p       Use the specified remote server port.
       --url             -u       Use the specified remote server url.
       --use-virtualhost -V       Use the specified virtualhost in GET query.
       --hash            -H       Use the specified hash algorithm: md5 (default), sha1, sha224,
                                    sha256, sha384, sha512.
       --verbose         -v       Use verbose mode output.
       --help            -h       Display this short inlined help screen.
       --release         -r       Display the release number.
       --fwmark          -m       Use the specified FW mark.
       --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
                                    1.0c means 1.0 with 'Connection: close'
       --timeout         -t       Timeout in seconds

    """
}

/// Parses the arguments the way keepalived's getopt_long does, so every form
/// it accepts works the same: `-s1.2.3.4`, `-vS` (clustered flags), `--server=1.2.3.4`,
/// `--serv 1.2.3.4` (an unambiguous prefix), options after operands, `--`.
///
/// Not swift-argument-parser: its help and errors cannot take keepalived's
/// shape, and it links FoundationEssentials, which costs genhash a third of
/// its start-up time and 4 MB of RSS (measured: 5.0 ms / 12.6 MB vs 2.8 ms / 8.4 MB).
/// Not glibc's getopt_long either: Swift's Glibc module does not export it.
func parseCommandLine(_ arguments: [String]) throws(CommandLineOutcome) -> Options {
    let specs: [OptionSpec] = [
        .init("use-ssl", "S", false), .init("use-sni", "I", false), .init("server", "s", true),
        .init("port", "p", true), .init("url", "u", true), .init("use-virtualhost", "V", true),
        .init("hash", "H", true), .init("verbose", "v", false), .init("help", "h", false),
        .init("release", "r", false), .init("fwmark", "m", true), .init("protocol", "P", true),
        .init("timeout", "t", true),
    ]
    let parsed: ParsedArguments
    do { parsed = try ParsedArguments(arguments, specs: specs) }
    catch { throw .usage(message: error.message) }

    var options = Options()
    var seen = Set<Character>()
    for (short, value) in parsed.options {
        switch short {
        case "S": options.useTLS = true
        case "I": options.useSNI = true
        case "v": options.verbose = true
        case "h": throw .usage(message: nil)
        case "r": throw .version
        case "s":
            guard ServerAddress(value) != nil else { throw .usage(message: "server should be an IP, not \(value)") }
            options.server = value
        case "p":
            guard let port = UInt16(value), port > 0 else { throw .usage(message: "invalid port number '\(value)'") }
            options.port = port
        case "u":
            options.url = value
        case "V":
            options.virtualHost = value
        case "H":
            guard let hash = HashAlgorithm(name: value) else {
                let names = HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")
                throw .usage(message: "invalid hash algorithm '\(value)' (one of \(names))")
            }
            options.hash = hash
        case "m":
            guard let mark = parseUnsigned32(value) else { throw .usage(message: "invalid fwmark '\(value)'") }
            options.fwmark = mark
        case "P":
            guard let version = HTTPProtocolVersion(keyword: value) else {
                throw .usage(message: "invalid HTTP protocol version '\(value)'")
            }
            options.version = version
        case "t":
            guard let seconds = Int(value), seconds > 0 else {
                throw .usage(message: "invalid timeout '\(value)' (a whole number of seconds, at least 1)")
            }
            options.timeout = seconds
        default:
            throw .usage(message: "unknown option -\(short)")
        }
        seen.insert(short)
    }
    if !parsed.operands.isEmpty {
        throw .usage(message: "Unexpected argument(s): \(parsed.operands.joined(separator: " "))")
    }
    guard seen.isSuperset(of: ["s", "p", "u"]) else { throw .usage(message: nil) }
    return options
}

/// Decimal or 0x-prefixed hexadecimal, 0...UInt32.max.
private func parseUnsigned32(_ text: String) -> UInt32? {
    if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt32(text.dropFirst(2), radix: 16) }
    return UInt32(text)
}
