// DaemonSupport is DaemonCore plus the options every daemon shares
// (DaemonOptions) and Daemon.start; a program that imports DaemonSupport sees both.
@_exported import DaemonCore
