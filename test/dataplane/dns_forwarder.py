"""Port 53 for the lab when it runs as a normal user (see privilege.ts): started through sudo, binds <ip>:53/udp,
drops to the user at once, then relays every query to the lab DNS on <ip>:<upstream port> and the reply back.
A query the lab DNS does not answer (its resolver-down switch) gets no reply here either.
Exits when stdin closes. argv: ip upstream_port uid gid."""
import os
import selectors
import socket
import sys
import time

ip, upstream_port, uid, gid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listener.bind((ip, 53))
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
print("ready", flush=True)

PENDING_SECONDS = 5  # a resolver gives up long before this
selector = selectors.DefaultSelector()
selector.register(listener, selectors.EVENT_READ, "listener")
selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
pending = {}  # upstream socket -> (client address, deadline)

while True:
    for key, _ in selector.select(timeout=1):
        if key.data == "stdin":
            if not sys.stdin.buffer.read1(4096):
                sys.exit(0)
        elif key.data == "listener":
            query, client = listener.recvfrom(4096)
            # One socket per query, so replies need no bookkeeping of DNS ids across clients.
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            upstream.connect((ip, upstream_port))
            upstream.send(query)
            pending[upstream] = (client, time.monotonic() + PENDING_SECONDS)
            selector.register(upstream, selectors.EVENT_READ, "upstream")
        else:
            upstream = key.fileobj
            try:
                listener.sendto(upstream.recv(4096), pending[upstream][0])
            except OSError:
                pass
            selector.unregister(upstream)
            del pending[upstream]
            upstream.close()
    now = time.monotonic()
    for upstream in [s for s, (_, deadline) in pending.items() if deadline < now]:
        selector.unregister(upstream)
        del pending[upstream]
        upstream.close()
