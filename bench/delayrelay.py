#!/usr/bin/env python3
"""A TCP relay that delays every chunk by a fixed time in each direction: a server "a network hop
away" on one machine (tc netem needs a kernel module a container may lack). Order is kept: each
direction's chunks leave in the order they came, each no sooner than its arrival plus the delay.

    python3 bench/delayrelay.py --listen 7601 --to 127.0.0.1:7600 --delay-ms 0.25

Used to measure what the audit store's distance costs a fail-closed gateway (docs/benchmarks.md):
point QUARKUS_DATASOURCE_JDBC_URL (or AuditStoreBench --url) at the relay's port."""
import argparse
import collections
import socket
import threading
import time


def pump(src, dst, delay):
    """Reads src, forwards each chunk to dst once `delay` seconds have passed since it was read."""
    pending = collections.deque()
    ready = threading.Condition()

    def reader():
        try:
            while True:
                data = src.recv(65536)
                with ready:
                    pending.append((time.monotonic() + delay, data))
                    ready.notify()
                if not data:
                    return
        except OSError:
            with ready:
                pending.append((0, b""))
                ready.notify()

    def writer():
        try:
            while True:
                with ready:
                    while not pending:
                        ready.wait()
                    due, data = pending.popleft()
                left = due - time.monotonic()
                if left > 0:
                    time.sleep(left)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        except OSError:
            pass

    threading.Thread(target=reader, daemon=True).start()
    w = threading.Thread(target=writer, daemon=True)
    w.start()
    return w


def serve(conn, target, delay):
    try:
        up = socket.create_connection(target)
    except OSError:
        conn.close()
        return
    for s in (conn, up):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    a = pump(conn, up, delay)
    b = pump(up, conn, delay)
    a.join()
    b.join()
    conn.close()
    up.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    p.add_argument("--to", required=True, help="host:port to relay to")
    p.add_argument("--delay-ms", type=float, required=True, help="one-way delay, each direction")
    a = p.parse_args()
    host, port = a.to.rsplit(":", 1)
    srv = socket.create_server(("127.0.0.1", a.listen))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, (host, int(port)), a.delay_ms / 1000), daemon=True).start()


if __name__ == "__main__":
    main()
