"""A small data plane on loopback for the tests: real redis-server nodes with TLS, a throwaway CA and a DNS server.

The nodes take ElastiCache's shape (TLS only, AUTH, TLS replication, a wildcard certificate naming the nodes'
domain, not the stable names). The DNS server answers the stable names with CNAMEs to the nodes' names, as the
construct's private zone does, on an unprivileged port, so the tests run as root and as a normal user alike.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from typing import Dict, List, Optional

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import redis

import redis_stable_readers

PASSWORD = "lab-auth-token-0123456789"
NODE_DOMAIN = "grp.abc123.use1.cache.lab.test"  # what the certificate names, like *.<group>.<hash>.<region>...
ZONE = "stable.lab.test"  # the construct's private zone
PORT = 6379

if "/src/redis_stable_readers" in redis_stable_readers.__file__ and not os.environ.get("RSR_TEST_SOURCE"):
    raise RuntimeError(f"tests must run against the installed wheel, not {redis_stable_readers.__file__}: "
                       "use clients/python/run-tests.sh (or set RSR_TEST_SOURCE=1 while developing)")


def make_certificates(directory: str) -> Dict[str, str]:
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2",
            "-subj", "/CN=redis-stable-readers test CA")
    openssl("req", *ec, "-keyout", path("node.key"), "-out", path("node.csr"), "-subj", f"/CN=*.{NODE_DOMAIN}")
    with open(path("node.ext"), "w") as ext:
        ext.write(f"subjectAltName=DNS:*.{NODE_DOMAIN}\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", path("node.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("node.pem"), "-days", "2", "-extfile", path("node.ext"))
    return {"ca": path("ca.pem"), "cert": path("node.pem"), "key": path("node.key")}


class DnsServer:
    """Answers A queries: a stable name with its CNAME and the target's A record; a node name with its A record.

    `paused` drops every query (a resolver outage: clients time out)."""

    def __init__(self, ip: str):
        self.cnames: Dict[str, str] = {}
        self.addresses: Dict[str, str] = {}
        self.paused = False
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(0.1)
        self.address = self.sock.getsockname()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="lab-dns", daemon=True)
        self.thread.start()

    @property
    def nameserver(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries += 1
            if self.paused:
                continue
            try:
                query = dns.message.from_wire(wire)
            except Exception:
                continue
            self.sock.sendto(self._answer(query).to_wire(), client)

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        target = self.cnames.get(name)
        final, owner = name, question.name
        while final in self.cnames and len(response.answer) < 8:  # a chain of CNAMEs, each answered in turn
            response.answer.append(dns.rrset.from_text(owner, 1, "IN", "CNAME", self.cnames[final] + "."))
            final = self.cnames[final]
            owner = dns.name.from_text(final)
        address = self.addresses.get(final)
        if address is None and target is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif address is not None and question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(final + ".", 1, "IN", "A", address))
        return response

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(2)
        self.sock.close()


class Node:
    """One redis-server: TLS only on PORT, AUTH, TLS replication, diskless sync without delay."""

    def __init__(self, ip: str, name: str, certificates: Dict[str, str], directory: str):
        self.ip, self.name = ip, name
        self.dir = os.path.join(directory, name.split(".")[0])
        os.makedirs(self.dir, exist_ok=True)
        self.args = [
            "--bind", ip, "--port", "0", "--tls-port", str(PORT),
            "--tls-cert-file", certificates["cert"], "--tls-key-file", certificates["key"],
            "--tls-ca-cert-file", certificates["ca"], "--tls-replication", "yes", "--tls-auth-clients", "no",
            "--requirepass", PASSWORD, "--masterauth", PASSWORD,
            "--bind-source-addr", ip,  # else replicas connect to their primary from 127.0.0.1
            "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0",  # else a full sync waits 5 s
            "--save", "", "--appendonly", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "log"),
        ]
        self.ca = certificates["ca"]
        self.process: Optional[subprocess.Popen] = None
        self.start()

    def start(self) -> None:
        command = ["redis-server", *self.args]
        if shutil.which("setpriv"):
            command = ["setpriv", "--pdeathsig", "SIGKILL", *command]  # never outlive the test run
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.admin().ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def admin(self) -> redis.Redis:
        return redis.Redis(host=self.ip, port=PORT, password=PASSWORD, ssl=True, ssl_ca_certs=self.ca,
                           ssl_check_hostname=False, socket_timeout=5, single_connection_client=False)

    def command(self, *args: object) -> object:
        client = self.admin()
        try:
            return client.execute_command(*args)
        finally:
            client.close()

    def role(self) -> List[object]:
        return self.command("ROLE")  # type: ignore[return-value]

    def in_sync(self) -> bool:
        role = self.role()
        return role[0] == b"slave" and role[3] == b"connected"

    def freeze(self) -> None:
        """The process stops (SIGSTOP): the kernel still accepts TCP, nothing answers; `thaw` resumes it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class FrozenTlsNode:
    """A node that completes TCP and TLS and then never answers (its process hung after the handshake): AUTH and
    every command wait forever. `accepted` counts the TLS sessions it completed."""

    def __init__(self, ip: str, certificates: Dict[str, str]):
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(certificates["cert"], certificates["key"])
        self.listener = socket.create_server((ip, PORT))
        self.listener.settimeout(0.1)
        self.ip, self.accepted = ip, 0
        self.held: List[socket.socket] = []
        self.stopping = threading.Event()
        threading.Thread(target=self._serve, name="lab-frozen", daemon=True).start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(sock,), daemon=True).start()

    def _handshake(self, sock: socket.socket) -> None:
        try:
            sock.settimeout(5)
            tls = self.context.wrap_socket(sock, server_side=True)
        except OSError:
            sock.close()
            return
        self.accepted += 1
        self.held.append(tls)  # read nothing, answer nothing

    def close(self) -> None:
        self.stopping.set()
        self.listener.close()
        for sock in self.held:
            sock.close()


class Lab:
    """A primary and two replicas, each stable name a CNAME to one node, as the construct sets them."""

    def __init__(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="rsr-lab-")
        # A loopback /16 of its own, so a lab running beside another (or beside test/dataplane) never collides.
        self.net = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}"
        self.certificates = make_certificates(self.tmp)
        self.dns = DnsServer(f"{self.net}.53")
        self.nodes: List[Node] = []
        for index in range(3):
            name = f"node-{index + 1}.{NODE_DOMAIN}"
            self.nodes.append(Node(f"{self.net}.{index + 1}", name, self.certificates, self.tmp))
            self.dns.addresses[name] = self.nodes[-1].ip
        self.primary = self.nodes[0]
        for replica in self.nodes[1:]:
            replica.command("REPLICAOF", self.primary.ip, PORT)
        self.point("primary", self.nodes[0])
        self.point("replica1", self.nodes[1])
        self.point("replica2", self.nodes[2])
        self.wait_in_sync(self.nodes[1:])

    def name(self, short: str) -> str:
        return f"{short}.{ZONE}"

    @property
    def replica_names(self) -> List[str]:
        return [self.name("replica1"), self.name("replica2")]

    def point(self, short: str, node: Node) -> None:
        self.dns.cnames[self.name(short)] = node.name

    def options(self, **extra: object) -> Dict[str, object]:
        options: Dict[str, object] = dict(password=PASSWORD, ssl_ca_certs=self.certificates["ca"],
                                          nameservers=[self.dns.nameserver])
        options.update(extra)
        return options

    def wait_in_sync(self, nodes: List[Node], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not all(node.in_sync() for node in nodes):
            if time.monotonic() > deadline:
                raise AssertionError(f"replicas not in sync: {[node.role() for node in nodes]}")
            time.sleep(0.02)

    def restore(self) -> None:
        """Back to primary node-1, replicas node-2 and node-3, names as at the start."""
        for node in self.nodes:
            if node.process is None:
                node.start()
            node.thaw()
        self.primary = self.nodes[0]
        self.primary.command("REPLICAOF", "NO", "ONE")
        for replica in self.nodes[1:]:
            replica.command("REPLICAOF", self.primary.ip, PORT)
        self.point("primary", self.nodes[0])
        self.point("replica1", self.nodes[1])
        self.point("replica2", self.nodes[2])
        self.dns.paused = False
        self.wait_in_sync(self.nodes[1:])

    def frozen_node(self, short: str) -> FrozenTlsNode:
        """Points the stable name `short` at a node that completes TLS and then never answers."""
        node = FrozenTlsNode(f"{self.net}.98", self.certificates)
        self.dns.cnames[self.name(short)] = "frozen." + NODE_DOMAIN
        self.dns.addresses["frozen." + NODE_DOMAIN] = node.ip
        return node

    def kill_clients(self, nodes: Optional[List[Node]] = None) -> None:
        """Closes every client connection on the nodes, on all of them at about the same moment (one event)."""
        admins = [node.admin() for node in nodes or self.nodes]
        for admin in admins:
            admin.ping()  # connected beforehand, so the kills below go out within a millisecond or two
        threads = [threading.Thread(target=admin.execute_command, args=("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"))
                   for admin in admins]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for admin in admins:
            admin.close()

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
        self.dns.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def node_of_reply(lab: Lab, role: List[object]) -> str:
    """Which kind of node served a read, from the ROLE sent on the same connection."""
    return "primary" if role[0] in (b"master", "master") else "replica"
