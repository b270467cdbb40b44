// Messages between the supervisor and each daemon: the watchdog, config
// delivery, reload, shutdown, and peers coming and going.

/// Supervisor -> daemon, every watchdog period. The daemon answers with the
/// same sequence number from its reactor thread, proving that thread runs.
public struct Hello: Hashable, Sendable, Codable {
    public var sequence: UInt64
    public init(sequence: UInt64) { self.sequence = sequence }
}

public struct HelloReply: Hashable, Sendable, Codable {
    public var sequence: UInt64
    public var pid: Int32
    /// The configuration generation the daemon runs (nil before its first slice).
    public var running: Generation?
    public init(sequence: UInt64, pid: Int32, running: Generation?) {
        self.sequence = sequence
        self.pid = pid
        self.running = running
    }
}

/// One chunk of a daemon's slice of the compiled configuration (the bytes
/// `CompiledConfig.slice(for:)` produced; the wire does not know the model).
/// Slices can be larger than a frame and larger than a socket's send buffer,
/// so they travel in chunks; `SliceAssembler` puts them together.
public struct ConfigSlice: Hashable, Sendable, Codable {
    public var generation: Generation
    public var program: ProgramName
    /// Size of the whole slice and where this chunk sits in it.
    public var totalSize: Int
    public var offset: Int
    public var chunk: [UInt8]
    public init(generation: Generation, program: ProgramName, totalSize: Int, offset: Int, chunk: [UInt8]) {
        self.generation = generation
        self.program = program
        self.totalSize = totalSize
        self.offset = offset
        self.chunk = chunk
    }
}

/// Daemon -> supervisor once a slice is loaded (or refused, with the reason).
public struct ConfigApplied: Hashable, Sendable, Codable {
    public var generation: Generation
    public var error: String?
    public init(generation: Generation, error: String? = nil) {
        self.generation = generation
        self.error = error
    }
}

/// Supervisor -> daemon: a reload to `generation` has begun; the new slice
/// follows. From here on the daemon refuses messages of older generations.
/// Daemon -> its ka-script-host (a daemon running alone, on SIGHUP): read
/// the configuration file again and hand over the new slice.
public struct Reload: Hashable, Sendable, Codable {
    public var generation: Generation
    public init(generation: Generation) { self.generation = generation }
}

/// Supervisor -> daemon: stop in order and exit 0.
public struct Shutdown: Hashable, Sendable, Codable {
    public enum Reason: String, Hashable, Sendable, Codable { case signal, reload, supervisorExit }
    public var reason: Reason
    /// keepalived's `-V` / `-I`: leave VIPs and routes / the IPVS tables in place.
    public var releaseVIPs: Bool
    public var releaseIPVS: Bool
    public init(reason: Reason, releaseVIPs: Bool = true, releaseIPVS: Bool = true) {
        self.reason = reason
        self.releaseVIPs = releaseVIPs
        self.releaseIPVS = releaseIPVS
    }
}

/// A peer program connected (or reconnected after a respawn) or went away.
/// On `.up`, `checkd` resends its full real-server state and `vrrpd` its
/// instances' states, so a respawned receiver starts from the truth.
public struct PeerChange: Hashable, Sendable, Codable {
    public var program: ProgramName
    public var up: Bool
    public init(program: ProgramName, up: Bool) {
        self.program = program
        self.up = up
    }
}
