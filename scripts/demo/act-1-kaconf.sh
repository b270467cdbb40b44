#!/usr/bin/env bash
# Act 1: the config compiler on an embedded example, then on a broken copy.
set -uo pipefail
bin=$1
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
[ -x "$bin/kaconf" ] || { echo "(act 1 skipped: kaconf not built)"; exit 0; }

work=$(mktemp -d /tmp/ka-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/keepalived.conf" <<'CONF'
global_defs {
    router_id demo
}

vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        10.10.0.100/24
    }
}

virtual_server 10.10.0.100 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP

    real_server 10.10.1.11 8080 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 2
        }
    }
    real_server 10.10.1.12 8080 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
CONF
# A copy with three mistakes an operator might make.
sed -e 's/virtual_router_id 51/virtual_router_id 300/' \
    -e 's/lb_algo rr/lb_algo roundrobin/' \
    -e 's/^    priority 150/    priorty 150/' "$work/keepalived.conf" > "$work/broken.conf"

say "kaconf lint: a clean config (offline: this machine has no eth0)"
(cd "$work" && kaconf lint --offline keepalived.conf && echo "lint: ok")
say "kaconf compile, then dump the compiled form"
(cd "$work" && kaconf compile --offline keepalived.conf -o keepalived.kacf && ls -l keepalived.kacf && kaconf dump keepalived.kacf | head -n 40)
say "kaconf lint on a broken copy: every mistake with file:line:col and a caret"
(cd "$work" && kaconf lint --offline broken.conf; echo "(exit status $?)")
exit 0
