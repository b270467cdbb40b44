#!/usr/bin/python3
"""Real servers for checkd's tests, on loopback (or inside a test namespace).

Each server binds the given address (port 0 = any free port), prints
"PORT <n>" on its first line, flushes, and serves until killed.

  checkd_peers.py udp-echo   [--addr A] [--port P]
  checkd_peers.py udp-swallow [--addr A] [--port P]
  checkd_peers.py dns        [--addr A] [--port P] [--wrong-id first|only]
                                                       (dnslib; SOA for ".", A for ok.test., NXDOMAIN otherwise;
                                                        --wrong-id: a reply with another ID first, or only that)
  checkd_peers.py smtp       [--addr A] [--port P]     (aiosmtpd)
  checkd_peers.py smtp-reject [--addr A] [--port P]    (banner 554)
  checkd_peers.py stall      [--addr A] [--port P]     (listen backlog full: connects hang)
  checkd_peers.py silent     [--addr A] [--port P]     (accepts, never answers)
  checkd_peers.py trickle    [--addr A] [--port P]     (accepts, sends a byte every 0.3 s ten times, closes)
  checkd_peers.py http       --dir D [--addr A] [--port P]  (python's http.server on D)
  checkd_peers.py tcp-farm   --count N [--addr A] [--first P] [--http [--http-from P]] [--accept-all]
                                                       (N listeners; counts accepted connections,
                                                        prints "CONNECTIONS n" on SIGUSR1 and at exit)
"""
import argparse
import selectors
import signal
import socket
import sys
import time


def say(line):
    print(line, flush=True)


def udp(args, echo):
    s = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    say(f"PORT {s.getsockname()[1]}")
    while True:
        data, peer = s.recvfrom(65535)
        if echo:
            s.sendto(data, peer)


def dns(args):
    from dnslib import RR, QTYPE, RCODE, DNSRecord, SOA, A
    s = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    say(f"PORT {s.getsockname()[1]}")
    while True:
        data, peer = s.recvfrom(65535)
        try:
            q = DNSRecord.parse(data)
        except Exception:
            continue
        r = q.reply()
        name = str(q.q.qname)
        if name == "." and q.q.qtype == QTYPE.SOA:
            r.add_answer(RR(".", QTYPE.SOA, rdata=SOA("ns.test.", "root.test.", (1, 3600, 600, 86400, 60))))
        elif name == "ok.test." and q.q.qtype == QTYPE.A:
            r.add_answer(RR("ok.test.", QTYPE.A, rdata=A("127.0.0.1")))
        else:
            r.header.rcode = RCODE.NXDOMAIN
        if args.wrong_id != "never":
            # A well-formed answer carrying another ID (as a late answer to
            # an earlier query would), sent first.
            stale = r.pack()
            stale = bytes([stale[0], stale[1] ^ 0x5A]) + stale[2:]
            s.sendto(stale, peer)
            if args.wrong_id == "only":
                continue
            time.sleep(0.1)
        s.sendto(r.pack(), peer)


def smtp(args):
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            sys.stdout.write("MESSAGE FROM %s TO %s\n%s\nEND MESSAGE\n" % (
                envelope.mail_from, ",".join(envelope.rcpt_tos),
                envelope.content.decode("utf8", "replace")))
            sys.stdout.flush()
            return "250 OK"

    port = args.port
    if port == 0:
        t = socket.socket()
        t.bind((args.addr, 0))
        port = t.getsockname()[1]
        t.close()
    c = Controller(Sink(), hostname=args.addr, port=port)
    c.start()
    say(f"PORT {port}")
    while True:
        time.sleep(3600)


def http(args):
    import functools
    import http.server
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=args.dir)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer((args.addr, args.port), handler)
    say(f"PORT {srv.server_address[1]}")
    srv.serve_forever()


def tcp_listener(args, backlog=128):
    s = socket.socket(socket.AF_INET6 if ":" in args.addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    s.listen(backlog)
    return s


def smtp_reject(args):
    s = tcp_listener(args)
    say(f"PORT {s.getsockname()[1]}")
    while True:
        c, _ = s.accept()
        c.sendall(b"554 no service here\r\n")
        c.close()


def stall(args):
    s = tcp_listener(args, backlog=0)
    port = s.getsockname()[1]
    # Fill the accept queue: further SYNs are dropped and connects hang.
    fillers = []
    for _ in range(2):
        f = socket.socket(s.family, socket.SOCK_STREAM)
        f.setblocking(False)
        try:
            f.connect((args.addr, port))
        except BlockingIOError:
            pass
        fillers.append(f)
    time.sleep(0.2)
    say(f"PORT {port}")
    while True:
        time.sleep(3600)


def silent(args):
    s = tcp_listener(args)
    say(f"PORT {s.getsockname()[1]}")
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)


def trickle(args):
    # Accepts, then sends one byte every 0.3 s, ten times, and closes: a slow
    # server that keeps making progress.
    import threading
    s = tcp_listener(args)
    say(f"PORT {s.getsockname()[1]}")

    def serve(c):
        for _ in range(10):
            time.sleep(0.3)
            c.sendall(b"x")
        c.close()

    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


HTTP_REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def tcp_farm(args):
    sel = selectors.DefaultSelector()
    listeners = []
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((args.addr, args.first + i if args.first else 0))
        s.listen(4096)
        s.setblocking(False)
        # Plain TCP ports are not accepted from unless --accept-all: the
        # kernel completes the handshake (what TCP_CHECK waits for) and the
        # accept queue absorbs a benchmark's worth of connections, so Python
        # is not the bottleneck. But an unaccepted socket ACKs the checker's
        # FIN only when its delayed-ACK timer runs, and keepalived closes with
        # SO_LINGER (5 s): each of its closes blocked until then, and its
        # TCP_CHECK managed ~230 checks/s instead of ~1,000 in the guest.
        # With --accept-all they accept and close at once, as a real server does.
        if args.accept_all or not args.http or s.getsockname()[1] >= args.http_from:
            sel.register(s, selectors.EVENT_READ, "listen")
        listeners.append(s)
    count = [0]

    def report(*_):
        say(f"CONNECTIONS {count[0]}")

    signal.signal(signal.SIGUSR1, report)
    signal.signal(signal.SIGTERM, lambda *_: (report(), sys.exit(0)))
    say(f"PORT {listeners[0].getsockname()[1]}")
    say("PORTS " + ",".join(str(s.getsockname()[1]) for s in listeners))
    while True:
        for key, _ in sel.select():
            if key.data == "listen":
                while True:
                    try:
                        c, _ = key.fileobj.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        # Out of descriptors under load: leave the rest queued.
                        break
                    count[0] += 1
                    if args.http and key.fileobj.getsockname()[1] >= args.http_from:
                        c.setblocking(False)
                        sel.register(c, selectors.EVENT_READ, "conn")
                    else:
                        c.close()
            else:
                c = key.fileobj
                try:
                    data = c.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data:
                    try:
                        c.send(HTTP_REPLY)
                    except OSError:
                        pass
                sel.unregister(c)
                c.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--http", action="store_true")
    p.add_argument("--dir", default=".")
    p.add_argument("--http-from", type=int, default=0, help="tcp-farm: only ports >= this answer HTTP")
    p.add_argument("--accept-all", action="store_true", help="tcp-farm: accept (and close) plain TCP connections too")
    p.add_argument("--wrong-id", choices=["never", "first", "only"], default="never")
    args = p.parse_args()
    kinds = {
        "udp-echo": lambda: udp(args, True),
        "udp-swallow": lambda: udp(args, False),
        "dns": lambda: dns(args),
        "smtp": lambda: smtp(args),
        "smtp-reject": lambda: smtp_reject(args),
        "stall": lambda: stall(args),
        "silent": lambda: silent(args),
        "trickle": lambda: trickle(args),
        "tcp-farm": lambda: tcp_farm(args),
        "http": lambda: http(args),
    }
    kinds[args.kind]()


if __name__ == "__main__":
    main()
