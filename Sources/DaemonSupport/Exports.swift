// DaemonSupport is DaemonCore plus what needs argument-parser (DaemonOptions
// and Daemon.start); a program that imports DaemonSupport sees both.
@_exported import DaemonCore
