"""The README's snippets (examples/) run as written against the lab, through environment variables."""

from __future__ import annotations

import asyncio
import os
import runpy
import time
import unittest
from unittest import mock

from . import lab as L

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


class ExamplesTest(unittest.TestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    def environment(self) -> mock._patch:  # type: ignore[type-arg]
        # The examples read only these; the lab's CA and DNS server reach them the way a deployment's would:
        # SSL_CERT_FILE for the trust store, and resolv.conf's nameserver (here patched into dnspython's default).
        return mock.patch.dict(os.environ, {
            "REPLICA_HOSTNAMES": ",".join(self.lab.replica_names), "PRIMARY_HOSTNAME": self.lab.name("primary"),
            "AUTH_TOKEN": L.PASSWORD, "SSL_CERT_FILE": self.lab.certificates["ca"]})

    def nameservers(self):  # type: ignore[no-untyped-def]
        import dns.resolver
        host, port = self.lab.dns.address
        original = dns.resolver.BaseResolver.read_resolv_conf

        def lab_resolv_conf(resolver, f):  # type: ignore[no-untyped-def]
            resolver.nameservers = [host]
            resolver.nameserver_ports = {host: port}
        return mock.patch.object(dns.resolver.BaseResolver, "read_resolv_conf", lab_resolv_conf), original

    def test_connect(self) -> None:
        patch, _ = self.nameservers()
        with self.environment(), patch:
            example = runpy.run_path(os.path.join(EXAMPLES, "connect.py"), run_name="example")
            example["primary"].set("greeting", "hello")
            deadline = time.monotonic() + 5
            while example["replica"].get("greeting") != b"hello":
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            self.assertEqual(0, example["reader"].stats.fallbacks)
            example["reader"].close()
            example["writer"].close()

    def test_connect_asyncio(self) -> None:
        patch, _ = self.nameservers()
        with self.environment(), patch:
            example = runpy.run_path(os.path.join(EXAMPLES, "connect_asyncio.py"), run_name="example")

            async def run() -> bytes:
                await example["primary"].set("greeting", "bonjour")
                deadline = time.monotonic() + 5
                while (value := await example["replica"].get("greeting")) != b"bonjour":
                    self.assertLess(time.monotonic(), deadline)
                    await asyncio.sleep(0.01)
                await example["reader"].close()
                await example["writer"].close()
                return value
            self.assertEqual(b"bonjour", asyncio.run(run()))
