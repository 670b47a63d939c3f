"""One StableReader shared by 8 threads, through the events of issue 14, with real nodes, TLS and DNS."""

from __future__ import annotations

import logging
import os
import threading
import time
import unittest
from typing import List, Tuple

import redis

from redis_stable_readers import ConfigurationError, StableReader, StableWriter

from . import lab as L
from .measures import INTERVAL, Measures

THREADS = 8
logging.getLogger("redis_stable_readers").setLevel(logging.CRITICAL if not os.environ.get("RSR_LOG") else logging.INFO)
logging.basicConfig()


class Load(Measures):
    """THREADS threads share one client; each reads its own key with ROLE in the same pipeline (same connection)."""

    def __init__(self, reader: StableReader, threads: int = THREADS):
        super().__init__()
        self.reader, self.client = reader, reader.client()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._loop, args=(i,)) for i in range(threads)]

    def __enter__(self) -> "Load":
        self.opens.__enter__()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        self.opens.__exit__()

    def _loop(self, index: int) -> None:
        key, expected = f"lab:r:{index}", f"value-{index}".encode()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                pipe = self.client.pipeline(transaction=False)
                pipe.get(key)
                pipe.execute_command("ROLE")
                value, role = pipe.execute()
            except BaseException as error:  # anything reaching the application counts
                with self.lock:
                    self.errors.append(error)
                continue
            took = time.monotonic() - started
            with self.lock:
                self.reads += 1
                self.latencies.append((started, took))
                if value != expected:
                    self.wrong += 1
                if role[0] == b"master":
                    self.primary_reads.append(started)


def seed(lab: L.Lab, count: int) -> None:
    client = lab.primary.admin()
    for index in range(count):
        client.set(f"lab:r:{index}", f"value-{index}")
    client.close()
    deadline = time.monotonic() + 5
    while not all(n.command("GET", f"lab:r:{count - 1}") for n in lab.nodes[1:]):
        assert time.monotonic() < deadline, "keys did not reach the replicas"
        time.sleep(0.02)


def report(name: str, **figures: object) -> None:
    print(f"\n  [{name}] " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                                      for k, v in figures.items()), flush=True)


class SharedReaderTest(unittest.TestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()
        seed(cls.lab, 64)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    def setUp(self) -> None:
        self.lab.restore()
        seed(self.lab, 64)
        self.reader = StableReader(self.lab.replica_names, **self.lab.options())
        self.addCleanup(self.reader.close)

    def assertClean(self, load: Load) -> None:
        self.assertEqual([], [repr(e) for e in load.errors[:5]], "errors reached the application")
        self.assertEqual(0, load.wrong, "a thread got another key's value")
        self.assertGreater(load.reads, 100)

    def test_threads_share_one_reader(self) -> None:
        with Load(self.reader) as load:
            time.sleep(2.0)
        self.assertClean(load)
        self.assertEqual([], load.primary_reads)
        self.assertLessEqual(self.reader.stats.connections_opened, THREADS)
        report("8 threads steady", reads=load.reads, wrong=load.wrong, errors=len(load.errors),
               p99_ms=load.p99() * 1000, connections=self.reader.stats.connections_opened)

    def test_promoted_replica_is_left_within_one_interval(self) -> None:
        with Load(self.reader) as load:
            time.sleep(1.0)
            promoted_at = time.monotonic()
            self.lab.nodes[1].command("REPLICAOF", "NO", "ONE")  # replica1's node becomes a primary
            time.sleep(2.5)
        self.assertClean(load)
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5, "reads stayed on the promoted node")
        event = load.event_start(promoted_at)
        most = load.opens.most_in_an_interval(event)
        self.assertLessEqual(most, 2, "more than 2 new connections in an interval")
        report("promotion, 8 threads", back_on_replica_s=last, primary_reads=len(load.primary_reads),
               most_opens_in_an_interval=most, opened_total=load.opens.count(event),
               moves_home=self.reader.stats.moves_home,
               p99_ms=load.p99(promoted_at) * 1000, max_ms=load.max_latency(promoted_at) * 1000,
               errors=len(load.errors), wrong=load.wrong)

    def test_promotion_opens_at_most_two_and_the_pool_stays_within_its_cap(self) -> None:
        # 8 threads share 4 connections (2 names x connections_per_name 2). The promoted node's 2 are retired and not
        # replaced while replica2's serve; the updater moves replica1 to node-3, and its 2 slots reopen there.
        cap = 2 * len(self.lab.replica_names)
        sizes: List[Tuple[int, int]] = []
        sampling = threading.Event()

        def sample() -> None:
            pool = self.reader.pool
            while not sampling.is_set():
                with pool._cond:
                    sizes.append((len(pool._all), sum(1 for c in pool._all if not c.superseded)))
                time.sleep(0.002)
        sampler = threading.Thread(target=sample)
        sampler.start()
        self.addCleanup(sampler.join)
        self.addCleanup(sampling.set)
        with Load(self.reader) as load:
            time.sleep(1.0)
            warm = self.reader.stats.connections_opened
            promoted_at = time.monotonic()
            self.lab.nodes[1].command("REPLICAOF", "NO", "ONE")
            self.lab.point("replica1", self.lab.nodes[2])
            time.sleep(4.0)
        sampling.set()
        self.assertClean(load)
        opened = self.reader.stats.connections_opened - warm
        self.assertLessEqual(warm, cap)
        self.assertLessEqual(opened, 2, "more than 2 new connections for one promotion")
        self.assertLessEqual(max(live for _, live in sizes), cap, "more connections than the cap")
        self.assertLessEqual(max(held for held, _ in sizes), cap + 1, "more than one replacement made before a break")
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5, "reads stayed on the promoted node")
        report("promotion + name moved, 8 threads", warm_up_opens=warm, opened_after=opened,
               reopens=self.reader.stats.reopens, most_held=max(h for h, _ in sizes), back_on_replica_s=last,
               p99_ms=load.p99(promoted_at) * 1000, errors=len(load.errors), wrong=load.wrong)

    def test_killed_connections_reopen_two_at_a_time(self) -> None:
        with Load(self.reader) as load:
            time.sleep(1.0)
            killed_at = time.monotonic()
            # One node closes every client connection (restarted, or a promoted node dropping them): one event.
            self.lab.kill_clients([self.lab.nodes[1]])
            time.sleep(3.0)
        self.assertClean(load)
        event = load.event_start(killed_at)
        most = load.opens.most_in_an_interval(event)
        self.assertLessEqual(most, 2, "more than 2 new connections in an interval")
        report("CLIENT KILL, 8 threads", most_opens_in_an_interval=most, opened_total=load.opens.count(event), p99_ms=load.p99(killed_at) * 1000,
               max_ms=load.max_latency(killed_at) * 1000, errors=len(load.errors), wrong=load.wrong)

    def test_resolver_down_while_moving(self) -> None:
        with Load(self.reader) as load:
            time.sleep(1.0)
            self.lab.dns.paused = True
            promoted_at = time.monotonic()
            self.lab.nodes[1].command("REPLICAOF", "NO", "ONE")
            self.lab.kill_clients([self.lab.nodes[2]])  # replica2's connections must reconnect too, without DNS
            time.sleep(2.5)
            reads_after = sum(1 for started, _ in load.latencies if started > promoted_at + 1.5)
        self.assertClean(load)
        self.assertGreater(reads_after, 50, "reads stopped while the resolver was down")
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5)
        # A read that waited for the resolver would take its 1 s slice; the machine's own jitter stays well below.
        self.assertLess(load.max_latency(promoted_at), 0.9, "a read waited for the resolver")
        report("resolver down while moving, 8 threads", back_on_replica_s=last, reads_after=reads_after,
               max_ms=load.max_latency(promoted_at) * 1000, resolver_fallbacks=self.reader.stats.resolver_fallbacks,
               errors=len(load.errors))

    def test_no_replica_reads_from_primary_then_goes_home(self) -> None:
        lab = self.lab
        with Load(self.reader) as load:
            time.sleep(0.5)
            # Both replicas lose their primary (not in sync) and the names fall back to the primary, as the construct
            # does with noReplicaFallback PRIMARY.
            lab.point("replica1", lab.nodes[0])
            lab.point("replica2", lab.nodes[0])
            for node in lab.nodes[1:]:
                node.command("REPLICAOF", f"{lab.net}.99", L.PORT)
            time.sleep(2.5)
            fallbacks = self.reader.stats.fallbacks
            restored_at = time.monotonic()
            for node in lab.nodes[1:]:
                node.command("REPLICAOF", lab.nodes[0].ip, L.PORT)
            lab.point("replica1", lab.nodes[1])
            lab.point("replica2", lab.nodes[2])
            lab.wait_in_sync(lab.nodes[1:])
            in_sync_at = time.monotonic()
            time.sleep(3.5)
        if os.environ.get("RSR_LOG"):
            print(self.reader.pool._all, self.reader.pool._idle)
        self.assertClean(load)
        self.assertGreater(fallbacks, 0)
        self.assertTrue(any(t < restored_at for t in load.primary_reads), "never read from the primary")
        back = max(load.primary_reads) - in_sync_at
        # Each connection sees it at its next role check (one interval); the first move to a node not yet known good
        # is a probe, one per interval; the rest follow at once.
        self.assertLessEqual(back, 2 * INTERVAL + 0.5, "stayed on the primary after the replicas came back")
        report("no replica, then back", fallbacks=fallbacks, resync_s=in_sync_at - restored_at,
               back_on_replica_after_resync_s=back, errors=len(load.errors))

    def test_budget_bounds_a_call_when_nothing_answers(self) -> None:
        lab = self.lab
        lab.dns.cnames[lab.name("dead")] = "dead." + L.NODE_DOMAIN
        lab.dns.addresses["dead." + L.NODE_DOMAIN] = f"{lab.net}.99"  # nothing listens there
        reader = StableReader([lab.name("dead")], **lab.options(timeout=1.0))
        self.addCleanup(reader.close)
        started = time.monotonic()
        with self.assertRaises((redis.ConnectionError, redis.TimeoutError)):
            reader.client().get("k")
        took = time.monotonic() - started
        self.assertLess(took, 1.3)
        self.assertGreater(took, 0.9, "gave up before the budget although a node might have come up")
        # The resolver down and no last-known address: still bounded.
        lab.dns.paused = True
        fresh = StableReader(lab.replica_names, **lab.options(timeout=1.5))
        self.addCleanup(fresh.close)
        started = time.monotonic()
        with self.assertRaises((redis.ConnectionError, redis.TimeoutError)):
            fresh.client().get("k")
        took_dns = time.monotonic() - started
        self.assertLess(took_dns, 1.8)
        report("budget", dead_node_s=took, resolver_down_s=took_dns)

    def test_node_that_hangs_after_tls_is_left_within_the_connect_slice(self) -> None:
        # TCP and TLS complete, then AUTH gets no answer: the 2 s connect slice covers AUTH and ROLE too, so the
        # read goes to the other replica instead of spending the whole budget there.
        lab = self.lab
        frozen = lab.frozen_node("hung")
        self.addCleanup(frozen.close)
        reader = StableReader([lab.name("hung"), lab.name("replica2")], **lab.options(timeout=6.0))
        self.addCleanup(reader.close)
        started = time.monotonic()
        self.assertEqual(b"value-0", reader.client().get("lab:r:0"))
        took = time.monotonic() - started
        self.assertGreater(frozen.accepted, 0, "the hung node was never tried")
        self.assertLess(took, 2.8, "the hung node held the read past its connect slice")
        report("hung after TLS", took_s=took, moves=reader.stats.moves)

    def test_node_that_stops_answering_is_left_at_the_next_role_check(self) -> None:
        # An open connection whose node stops (SIGSTOP): the ROLE check on checkout gets at most 1 s, then the read
        # goes to the other replica.
        lab = self.lab
        reader = StableReader(lab.replica_names, **lab.options(timeout=6.0))
        self.addCleanup(reader.close)
        client = reader.client()
        self.assertEqual(b"value-0", client.get("lab:r:0"))  # one connection, on replica1's node
        time.sleep(INTERVAL + 0.1)  # its next checkout checks ROLE
        lab.nodes[1].freeze()
        self.addCleanup(lab.nodes[1].thaw)
        started = time.monotonic()
        self.assertEqual(b"value-1", client.get("lab:r:1"))
        took = time.monotonic() - started
        self.assertLess(took, 1.8, "the stopped node held the read past its ROLE-check slice")
        report("node stopped", took_s=took, retired=reader.stats.connections_retired)

    def test_moving_home_never_holds_a_read(self) -> None:
        # The connection's home name is unreachable at first, so it opens on replica2; then the home name moves to a
        # node that hangs after TLS. Probing home (once per interval) happens beside the reads, never in one.
        lab = self.lab
        lab.dns.cnames[lab.name("replica1")] = "dead." + L.NODE_DOMAIN
        lab.dns.addresses["dead." + L.NODE_DOMAIN] = f"{lab.net}.99"  # nothing listens there: refused at once
        reader = StableReader(lab.replica_names, **lab.options(timeout=6.0))
        self.addCleanup(reader.close)
        client = reader.client()
        self.assertEqual(b"value-0", client.get("lab:r:0"))
        self.assertEqual(1, reader.stats.moves)
        frozen = lab.frozen_node("replica1")
        self.addCleanup(frozen.close)
        slowest = 0.0
        until = time.monotonic() + 3.5
        while time.monotonic() < until:
            started = time.monotonic()
            self.assertEqual(b"value-2", client.get("lab:r:2"))
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.005)
        self.assertGreater(frozen.accepted, 0, "the reader never probed its home name")
        self.assertLess(slowest, 0.5, "a read waited for a move home")
        report("probing a hung home", slowest_read_ms=slowest * 1000, probes=frozen.accepted)

    def test_cname_target_is_verified_not_the_end_of_the_chain(self) -> None:
        # The node's name is itself an alias: TLS verifies the stable name's CNAME target, which the certificate holds.
        lab = self.lab
        lab.dns.cnames[lab.name("chained")] = "alias-3." + L.NODE_DOMAIN
        lab.dns.cnames["alias-3." + L.NODE_DOMAIN] = "internal-3.elsewhere.lab.test"
        lab.dns.addresses["internal-3.elsewhere.lab.test"] = lab.nodes[2].ip
        reader = StableReader([lab.name("chained")], **lab.options())
        self.addCleanup(reader.close)
        self.assertEqual(b"value-3", reader.client().get("lab:r:3"))

    def test_pipeline_retry_keeps_multi_and_scripts(self) -> None:
        # The first attempt loses its connection (every node closes its client connections just before the pipeline
        # writes); the retry must still run as MULTI/EXEC, and load its scripts where it lands (caches flushed).
        lab = self.lab
        client = self.reader.client()
        client.get("lab:r:0")
        armed = [True]
        phase = ["multi"]

        def drop_connections(at: str) -> None:
            if armed[0] and phase[0] == at:
                armed[0] = False
                lab.kill_clients()
                for node in lab.nodes:
                    node.command("SCRIPT", "FLUSH")
                time.sleep(0.05)  # the close reaches this side before the pipeline writes
        pool = self.reader.pool
        real_get = pool.get_connection

        def get_connection(*args, **kwargs):  # type: ignore[no-untyped-def]
            connection = real_get(*args, **kwargs)
            drop_connections("multi")
            return connection
        pool.get_connection = get_connection  # type: ignore[method-assign]
        self.addCleanup(delattr, pool, "get_connection")

        def multis() -> int:
            return sum(node.command("INFO", "commandstats").get("cmdstat_multi", {}).get("calls", 0)  # type: ignore
                       for node in lab.nodes)
        before, retries = multis(), self.reader.stats.retries
        pipe = client.pipeline(transaction=False)
        pipe.multi()
        pipe.get("lab:r:4")
        pipe.get("lab:r:5")
        self.assertEqual([b"value-4", b"value-5"], pipe.execute())
        self.assertFalse(armed[0])
        self.assertGreater(self.reader.stats.retries, retries, "the first attempt did not fail")
        self.assertEqual(1, multis() - before, "the retry did not run as a transaction")

        # Scripts: the pipeline loads them on its connection first; that connection is lost right after.
        script = client.register_script("return redis.call('GET', KEYS[1])")
        pipe = client.pipeline(transaction=False)
        real_load = pipe.load_scripts

        def load_scripts() -> None:
            real_load()
            drop_connections("scripts")
        pipe.load_scripts = load_scripts  # type: ignore[method-assign]
        armed[0], phase[0], retries = True, "scripts", self.reader.stats.retries
        script(keys=["lab:r:6"], client=pipe)
        self.assertEqual([b"value-6"], pipe.execute())
        self.assertFalse(armed[0])
        self.assertGreater(self.reader.stats.retries, retries, "the first attempt did not fail")


class BadInputTest(unittest.TestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    def timed_error(self, error: type, call) -> Tuple[float, str]:  # type: ignore[no-untyped-def]
        started = time.monotonic()
        with self.assertRaises(error) as caught:
            call()
        return time.monotonic() - started, str(caught.exception)

    def test_no_names(self) -> None:
        _, message = self.timed_error(ConfigurationError, lambda: StableReader([]))
        self.assertIn("at least one", message)
        _, message = self.timed_error(ConfigurationError, lambda: StableReader(["127.0.0.1"]))
        self.assertIn("IP address", message)
        _, message = self.timed_error(ConfigurationError, lambda: StableReader(["a"], timeout=0))
        self.assertIn("timeout", message)

    def test_name_that_is_not_a_cname(self) -> None:
        reader = StableReader([self.lab.nodes[1].name], **self.lab.options())  # a node's own A record
        took, message = self.timed_error(ConfigurationError, lambda: reader.client().get("k"))
        self.assertIn("not a CNAME", message)
        self.assertLess(took, 0.5)
        reader = StableReader(["nowhere." + L.ZONE], **self.lab.options())
        took_nx, message = self.timed_error(ConfigurationError, lambda: reader.client().get("k"))
        self.assertIn("NXDOMAIN", message)
        self.assertLess(took_nx, 0.5)
        report("bad names", not_cname_s=took, nxdomain_s=took_nx)

    def test_wrong_password(self) -> None:
        reader = StableReader(self.lab.replica_names, **self.lab.options(password="wrong"))
        took, message = self.timed_error(redis.AuthenticationError, lambda: reader.client().get("k"))
        self.assertIn("password", message)
        self.assertLess(took, 0.5)
        report("wrong password", took_s=took)

    def test_rbac_user_without_role_permission(self) -> None:
        for node in self.lab.nodes:  # ACL users are per node, as ElastiCache applies a user group to every node
            node.command("ACL", "SETUSER", "reads-only", "on", ">reads-only-password", "~*", "+@read")
        reader = StableReader(self.lab.replica_names,
                              **self.lab.options(username="reads-only", password="reads-only-password"))
        took, message = self.timed_error(ConfigurationError, lambda: reader.client().get("k"))
        self.assertIn("+role", message)
        self.assertLess(took, 0.5)
        for node in self.lab.nodes:
            node.command("ACL", "SETUSER", "reads-only", "+role")
        self.assertIsNone(reader.client().get("no-such-key"))  # with +role the same user reads

    def test_untrusted_certificate(self) -> None:
        options = self.lab.options()
        del options["ssl_ca_certs"]  # the system store does not know the lab's CA
        reader = StableReader(self.lab.replica_names, **options)
        took, message = self.timed_error(ConfigurationError, lambda: reader.client().get("k"))
        self.assertIn("TLS verification", message)
        self.assertLess(took, 0.5)


class WriterTest(unittest.TestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    def test_writer_rides_out_a_failover(self) -> None:
        lab = self.lab
        writer = StableWriter(lab.name("primary"), **lab.options())
        self.addCleanup(writer.close)
        client = writer.client()
        client.set("w", "0")
        errors: List[BaseException] = []
        done = threading.Event()
        writes = [0]

        def loop() -> None:
            while not done.is_set():
                try:
                    client.incr("w:count")
                    writes[0] += 1
                except BaseException as error:
                    errors.append(error)
        thread = threading.Thread(target=loop)
        thread.start()
        time.sleep(0.3)
        # Failover: node-2 promoted, node-1 demoted (writes there now answer READONLY), the name moves 0.5 s later.
        lab.nodes[1].command("REPLICAOF", "NO", "ONE")
        lab.nodes[0].command("REPLICAOF", lab.nodes[1].ip, L.PORT)
        failover_at = time.monotonic()
        time.sleep(0.5)
        lab.point("primary", lab.nodes[1])
        time.sleep(1.0)
        done.set()
        thread.join(20)
        self.assertEqual([], [repr(e) for e in errors])
        self.assertGreater(writer.stats.retries, 0, "no write met the failover")
        self.assertEqual(b"master", lab.nodes[1].role()[0])
        self.assertGreater(int(lab.nodes[1].command("GET", "w:count") or 0), 0)
        report("writer failover", writes=writes[0], retries=writer.stats.retries,
               since_failover_s=time.monotonic() - failover_at, errors=len(errors))

    def test_writer_on_a_replica_gives_up_within_its_budget(self) -> None:
        lab = self.lab
        lab.dns.cnames[lab.name("stale-primary")] = lab.nodes[2].name  # a name still on a replica
        writer = StableWriter(lab.name("stale-primary"), **lab.options(timeout=1.0))
        self.addCleanup(writer.close)
        started = time.monotonic()
        with self.assertRaises((redis.ConnectionError, redis.TimeoutError)) as caught:
            writer.client().set("w", "1")
        took = time.monotonic() - started
        self.assertIn("no primary reachable", str(caught.exception))
        self.assertLess(took, 1.3)
        self.assertGreater(took, 0.9)
        report("writer budget", took_s=took, retries=writer.stats.retries)
