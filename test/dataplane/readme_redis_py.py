import socket
import time

import redis

ROLE_CHECK_SECONDS = 1.0  # each connection sends one ROLE per interval
RETRY_SECONDS = 30.0  # a command retries this long across a failover before its error reaches you
RETRYABLE = (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError, OSError)  # LOADING is a ConnectionError


def connect(name, password):
    """A client on the node `name` points at now; TLS is verified against that node's own name."""
    node = socket.gethostbyname_ex(name)[0]  # the CNAME's target
    return redis.Redis(host=node, port=6379, password=password, ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True,
                       single_connection_client=True, socket_timeout=2, socket_connect_timeout=2)


def on_replica(client):
    role = client.execute_command("ROLE")
    return role[0] == b"slave" and role[3] == b"connected"


def retrying(attempt, reset):
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            return attempt()
        except RETRYABLE:
            if time.monotonic() > deadline:
                raise
            reset()
            time.sleep(0.1)


class StableReader:
    """Reads from a replica: its own name's node while that is a replica, else another name's, else the primary."""

    def __init__(self, own, names, password):
        self.own, self.others, self.password = own, [n for n in names if n != own], password
        self.name, self.client, self.checked = None, None, 0.0  # name: the name it reads through now

    def read(self, command):
        return retrying(lambda: command(self._client()), self._use)

    def _client(self):
        if self.client is not None and time.monotonic() - self.checked < ROLE_CHECK_SECONDS:
            return self.client
        self.checked = time.monotonic()
        try:
            ok = self.client is not None and on_replica(self.client)
        except RETRYABLE:
            ok = False
            self._use()
        if not ok or self.name != self.own:
            self._move(ok)
        if self.client is None:
            self._use(self.own, connect(self.own, self.password))  # no replica anywhere: read from the primary
        return self.client

    def _move(self, current_ok):
        # Its own name first, then (if its node is not a good replica) the others; DNS need not have moved the names yet.
        for name in [self.own] if current_ok else [self.own] + self.others:
            client = None
            try:
                client = connect(name, self.password)
                if on_replica(client):
                    return self._use(name, client)
            except RETRYABLE:
                pass
            if client is not None:
                client.close()

    def _use(self, name=None, client=None):
        if self.client is not None and self.client is not client:
            self.client.close()
        self.name, self.client = name, client


class StableWriter:
    """Writes through primary.<zone>: on a node that is not (or no longer) the primary it reconnects and retries."""

    def __init__(self, name, password):
        self.name, self.password, self.client = name, password, None

    def write(self, command):
        return retrying(lambda: command(self._client()), self._reset)

    def _client(self):
        if self.client is None:
            client = connect(self.name, self.password)
            if client.execute_command("ROLE")[0] != b"master":
                client.close()
                raise redis.ReadOnlyError(f"{self.name} is not on a primary yet")
            self.client = client
        return self.client

    def _reset(self):
        if self.client is not None:
            self.client.close()
        self.client = None
