// The table we want: the plan's services, with each real server placed as
// its health says, and the sorry server in while the quorum is lost.
//
// Per real server (keepalived 2.2.7, observed in the guest step by step):
//
//   quorum     server   inhibit_on_failure   in the kernel
//   held       up       any                  yes, at its current weight
//   held       down     yes                  yes, at weight 0
//   held       down     no                   no
//   lost*      any      yes                  yes, at weight 0
//   lost*      any      no                   no
//
//   * only when a sorry server is configured: without one, losing the
//     quorum changes nothing in the table.
//
// The sorry server is in at weight 1 while the quorum is lost; otherwise it
// is out, or in at weight 0 with `sorry_server_inhibit`.

extension IPVSTable {
    public init(plan: IPVSPlan, health: HealthState) {
        self.init()
        for vs in plan.virtualServers {
            let h = health.virtualServers[vs.ref]
            let sorryActive = vs.sorryServer != nil && !(h?.quorumUp ?? false)
            for key in vs.services {
                var entry = ServiceEntry(settings: vs.settings)
                for rs in vs.realServers {
                    let state = h?.realServers[rs.ref] ?? RealServerHealth(up: false, weight: rs.weight)
                    let weight: UInt32?
                    if sorryActive {
                        weight = rs.inhibitOnFailure ? 0 : nil
                    } else if state.up {
                        weight = state.weight
                    } else {
                        weight = rs.inhibitOnFailure ? 0 : nil
                    }
                    if let weight { entry.destinations[rs.destination(in: key)] = rs.settings(weight: weight) }
                }
                if let sorry = vs.sorryServer {
                    if sorryActive {
                        entry.destinations[sorry.destination(in: key)] = sorry.settings(weight: 1)
                    } else if sorry.inhibit {
                        entry.destinations[sorry.destination(in: key)] = sorry.settings(weight: 0)
                    }
                }
                services[key] = entry
            }
        }
    }
}
