"""One asyncio StableReader shared by 50 tasks, through the events of issue 14, with real nodes, TLS and DNS."""

from __future__ import annotations

import asyncio
import time
import unittest


import redis

from redis_stable_readers import ConfigurationError
from redis_stable_readers.asyncio import StableReader, StableWriter

from . import lab as L
from .measures import INTERVAL, Measures
from .test_sync import report, seed

TASKS = 50


class TaskLoad(Measures):
    """TASKS tasks share one client; each reads its own key with ROLE in the same pipeline (same connection)."""

    def __init__(self, reader: StableReader, tasks: int = TASKS):
        super().__init__()
        self.reader, self.client, self.count = reader, reader.client(), tasks
        self.running = True

    async def __aenter__(self) -> "TaskLoad":
        self.opens.__enter__()
        self.tasks = [asyncio.ensure_future(self._loop(i)) for i in range(self.count)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.running = False
        await asyncio.wait_for(asyncio.gather(*self.tasks), 30)
        self.opens.__exit__()

    async def _loop(self, index: int) -> None:
        key, expected = f"lab:r:{index}", f"value-{index}".encode()
        while self.running:
            started = time.monotonic()
            try:
                pipe = self.client.pipeline(transaction=False)
                pipe.get(key)
                pipe.execute_command("ROLE")
                value, role = await pipe.execute()
            except BaseException as error:  # anything reaching the application counts
                self.errors.append(error)
                await asyncio.sleep(0.001)
                continue
            self.reads += 1
            self.latencies.append((started, time.monotonic() - started))
            if value != expected:
                self.wrong += 1
            if role[0] == b"master":
                self.primary_reads.append(started)


class SharedAsyncReaderTest(unittest.IsolatedAsyncioTestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    async def asyncSetUp(self) -> None:
        asyncio.get_running_loop().set_debug(False)  # unittest turns debug on; it slows every task several times
        await asyncio.to_thread(self.lab.restore)
        await asyncio.to_thread(seed, self.lab, TASKS)
        self.reader = StableReader(self.lab.replica_names, **self.lab.options())

    async def asyncTearDown(self) -> None:
        await self.reader.close()

    def assertClean(self, load: TaskLoad) -> None:
        self.assertEqual([], [repr(e) for e in load.errors[:5]], "errors reached the application")
        self.assertEqual(0, load.wrong, "a task got another key's value")
        self.assertGreater(load.reads, 100)

    async def test_tasks_share_one_reader(self) -> None:
        async with TaskLoad(self.reader) as load:
            await asyncio.sleep(2.0)
        self.assertClean(load)
        self.assertEqual([], load.primary_reads)
        report("50 tasks steady", reads=load.reads, wrong=load.wrong, errors=len(load.errors),
               p99_ms=load.p99() * 1000, connections=self.reader.stats.connections_opened)

    async def test_promoted_replica_is_left_within_one_interval(self) -> None:
        async with TaskLoad(self.reader) as load:
            await asyncio.sleep(1.0)
            promoted_at = time.monotonic()
            await asyncio.to_thread(self.lab.nodes[1].command, "REPLICAOF", "NO", "ONE")
            await asyncio.sleep(2.5)
        self.assertClean(load)
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5, "reads stayed on the promoted node")
        event = load.event_start(promoted_at)
        most = load.opens.most_in_an_interval(event)
        self.assertLessEqual(most, 2, "more than 2 new connections in an interval")
        report("promotion, 50 tasks", back_on_replica_s=last, primary_reads=len(load.primary_reads),
               most_opens_in_an_interval=most, opened_total=load.opens.count(event), p99_ms=load.p99(promoted_at) * 1000,
               max_ms=load.max_latency(promoted_at) * 1000, errors=len(load.errors), wrong=load.wrong)

    async def test_promotion_opens_at_most_two_and_the_pool_stays_within_its_cap(self) -> None:
        # 50 tasks share 4 connections (2 names x connections_per_name 2); see the sync test of the same name.
        cap = 2 * len(self.lab.replica_names)
        sizes = []
        sampling = True

        async def sample() -> None:
            pool = self.reader.pool
            while sampling:
                sizes.append((len(pool._all), sum(1 for c in pool._all if not c.superseded)))
                await asyncio.sleep(0.002)
        sampler = asyncio.ensure_future(sample())
        async with TaskLoad(self.reader) as load:
            await asyncio.sleep(1.0)
            warm = self.reader.stats.connections_opened
            promoted_at = time.monotonic()
            await asyncio.to_thread(self.lab.nodes[1].command, "REPLICAOF", "NO", "ONE")
            self.lab.point("replica1", self.lab.nodes[2])
            await asyncio.sleep(4.0)
        sampling = False
        await sampler
        self.assertClean(load)
        opened = self.reader.stats.connections_opened - warm
        self.assertLessEqual(warm, cap)
        self.assertLessEqual(opened, 2, "more than 2 new connections for one promotion")
        self.assertLessEqual(max(live for _, live in sizes), cap, "more connections than the cap")
        self.assertLessEqual(max(held for held, _ in sizes), cap + 1, "more than one replacement made before a break")
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5, "reads stayed on the promoted node")
        report("promotion + name moved, 50 tasks", warm_up_opens=warm, opened_after=opened,
               reopens=self.reader.stats.reopens, most_held=max(h for h, _ in sizes), back_on_replica_s=last,
               p99_ms=load.p99(promoted_at) * 1000, errors=len(load.errors), wrong=load.wrong)

    async def test_killed_connections_reopen_two_at_a_time(self) -> None:
        async with TaskLoad(self.reader) as load:
            await asyncio.sleep(1.0)
            killed_at = time.monotonic()
            # One node closes every client connection (restarted, or a promoted node dropping them): one event.
            await asyncio.to_thread(self.lab.kill_clients, [self.lab.nodes[1]])
            await asyncio.sleep(3.0)
        self.assertClean(load)
        event = load.event_start(killed_at)
        most = load.opens.most_in_an_interval(event)
        self.assertLessEqual(most, 2, "more than 2 new connections in an interval")
        report("CLIENT KILL, 50 tasks", most_opens_in_an_interval=most, opened_total=load.opens.count(event), p99_ms=load.p99(killed_at) * 1000,
               max_ms=load.max_latency(killed_at) * 1000, errors=len(load.errors), wrong=load.wrong)

    async def test_resolver_down_while_moving(self) -> None:
        async with TaskLoad(self.reader) as load:
            await asyncio.sleep(1.0)
            self.lab.dns.paused = True
            promoted_at = time.monotonic()
            await asyncio.to_thread(self.lab.nodes[1].command, "REPLICAOF", "NO", "ONE")
            await asyncio.to_thread(self.lab.kill_clients, [self.lab.nodes[2]])
            await asyncio.sleep(2.5)
        reads_after = sum(1 for started, _ in load.latencies if started > promoted_at + 1.5)
        self.assertClean(load)
        self.assertGreater(reads_after, 50, "reads stopped while the resolver was down")
        last = max(load.primary_reads, default=promoted_at) - promoted_at
        self.assertLessEqual(last, INTERVAL + 0.5)
        # A read that waited for the resolver would take its 1 s slice; the machine's own jitter stays well below.
        self.assertLess(load.max_latency(promoted_at), 0.9, "a read waited for the resolver")
        report("resolver down while moving, 50 tasks", back_on_replica_s=last, reads_after=reads_after,
               max_ms=load.max_latency(promoted_at) * 1000, errors=len(load.errors))

    async def test_cancelled_calls_never_leave_a_reply_for_another_task(self) -> None:
        # Cancelling a call between its send and its read (a timeout around it, a client gone) must not hand that
        # reply to the next task: the connection owes a reply, so the pool closes it.
        client = self.reader.client()
        await client.get("lab:r:0")  # connected, so the cancellations below fall in the exchange itself
        wrong = 0
        rounds = 300
        for round_ in range(rounds):
            task = asyncio.ensure_future(client.get("lab:r:1"))
            for _ in range(round_ % 12):  # cancel at a different step of the call each round
                await asyncio.sleep(0)
            task.cancel()
            value = await client.get("lab:r:2")
            wrong += value != b"value-2"
        self.assertEqual(0, wrong)
        retired = self.reader.stats.connections_retired
        self.assertGreater(retired, 0, "no cancellation fell between a send and its reply")
        report("cancellation", rounds=rounds, wrong=wrong, retired_owing_replies=retired)

    async def test_cancelled_role_checks_leave_no_slot_behind(self) -> None:
        # Every checkout checks ROLE (a tiny interval) and tasks are cancelled at varying steps, many of them inside
        # that check; with max_connections=2 a leaked slot would soon leave calls waiting out their budget.
        reader = StableReader(self.lab.replica_names,
                              **self.lab.options(max_connections=2, role_check_interval=0.001, timeout=2.0))
        client = reader.client()
        try:
            await client.get("lab:r:0")
            rounds = 200
            for round_ in range(rounds):
                task = asyncio.ensure_future(client.get("lab:r:1"))
                for _ in range(round_ % 12):
                    await asyncio.sleep(0)
                task.cancel()
                self.assertEqual(b"value-2", await client.get("lab:r:2"))
            await asyncio.sleep(0.05)  # closes scheduled by cancelled tasks
            self.assertLessEqual(len(reader.pool._all), 2)
            report("cancelled ROLE checks", rounds=rounds, role_checks=reader.stats.role_checks,
                   retired=reader.stats.connections_retired, pooled=len(reader.pool._all))
        finally:
            await reader.close()

    async def test_node_that_hangs_after_tls_is_left_within_the_connect_slice(self) -> None:
        lab = self.lab
        frozen = lab.frozen_node("hung")
        self.addCleanup(frozen.close)
        reader = StableReader([lab.name("hung"), lab.name("replica2")], **lab.options(timeout=6.0))
        try:
            started = time.monotonic()
            self.assertEqual(b"value-0", await reader.client().get("lab:r:0"))
            took = time.monotonic() - started
        finally:
            await reader.close()
        self.assertGreater(frozen.accepted, 0, "the hung node was never tried")
        self.assertLess(took, 2.8, "the hung node held the read past its connect slice")
        report("hung after TLS (asyncio)", took_s=took)

    async def test_node_that_stops_answering_is_left_at_the_next_role_check(self) -> None:
        lab = self.lab
        reader = StableReader(lab.replica_names, **lab.options(timeout=6.0))
        client = reader.client()
        try:
            self.assertEqual(b"value-0", await client.get("lab:r:0"))
            await asyncio.sleep(INTERVAL + 0.1)
            lab.nodes[1].freeze()
            self.addCleanup(lab.nodes[1].thaw)
            started = time.monotonic()
            self.assertEqual(b"value-1", await client.get("lab:r:1"))
            took = time.monotonic() - started
        finally:
            lab.nodes[1].thaw()
            await reader.close()
        self.assertLess(took, 1.8, "the stopped node held the read past its ROLE-check slice")
        report("node stopped (asyncio)", took_s=took)

    async def test_moving_home_never_holds_a_read(self) -> None:
        lab = self.lab
        lab.dns.cnames[lab.name("replica1")] = "dead." + L.NODE_DOMAIN
        lab.dns.addresses["dead." + L.NODE_DOMAIN] = f"{lab.net}.99"
        reader = StableReader(lab.replica_names, **lab.options(timeout=6.0))
        client = reader.client()
        frozen = None
        try:
            self.assertEqual(b"value-0", await client.get("lab:r:0"))
            self.assertEqual(1, reader.stats.moves)
            frozen = lab.frozen_node("replica1")
            slowest = 0.0
            until = time.monotonic() + 3.5
            while time.monotonic() < until:
                started = time.monotonic()
                self.assertEqual(b"value-2", await client.get("lab:r:2"))
                slowest = max(slowest, time.monotonic() - started)
                await asyncio.sleep(0.005)
        finally:
            await reader.close()
            if frozen is not None:
                frozen.close()
        self.assertGreater(frozen.accepted, 0, "the reader never probed its home name")
        self.assertLess(slowest, 0.5, "a read waited for a move home")
        report("probing a hung home (asyncio)", slowest_read_ms=slowest * 1000, probes=frozen.accepted)

    async def test_pipeline_retry_keeps_multi(self) -> None:
        lab = self.lab
        client = self.reader.client()
        await client.get("lab:r:0")
        pool = self.reader.pool
        real_get = pool.get_connection
        armed = [True]

        async def get_connection(*args, **kwargs):  # type: ignore[no-untyped-def]
            connection = await real_get(*args, **kwargs)
            if armed[0]:
                armed[0] = False
                await asyncio.to_thread(lab.kill_clients)
                await asyncio.sleep(0.05)
            return connection
        pool.get_connection = get_connection  # type: ignore[method-assign]

        def multis() -> int:
            return sum(node.command("INFO", "commandstats").get("cmdstat_multi", {}).get("calls", 0)  # type: ignore
                       for node in lab.nodes)
        before, retries = await asyncio.to_thread(multis), self.reader.stats.retries
        pipe = client.pipeline(transaction=False)
        pipe.multi()
        pipe.get("lab:r:4")
        pipe.get("lab:r:5")
        self.assertEqual([b"value-4", b"value-5"], await pipe.execute())
        del pool.get_connection
        self.assertFalse(armed[0])
        self.assertGreater(self.reader.stats.retries, retries, "the first attempt did not fail")
        self.assertEqual(1, await asyncio.to_thread(multis) - before, "the retry did not run as a transaction")

    async def test_budget_bounds_a_call_when_nothing_answers(self) -> None:
        lab = self.lab
        lab.dns.cnames[lab.name("dead")] = "dead." + L.NODE_DOMAIN
        lab.dns.addresses["dead." + L.NODE_DOMAIN] = f"{lab.net}.99"
        reader = StableReader([lab.name("dead")], **lab.options(timeout=1.0))
        started = time.monotonic()
        with self.assertRaises((redis.ConnectionError, redis.TimeoutError)):
            await reader.client().get("k")
        took = time.monotonic() - started
        await reader.close()
        self.assertLess(took, 1.3)
        report("budget (asyncio)", dead_node_s=took)


class AsyncBadInputTest(unittest.IsolatedAsyncioTestCase):
    lab: L.Lab

    @classmethod
    def setUpClass(cls) -> None:
        cls.lab = L.Lab()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.lab.close()

    async def test_bad_input_fails_at_once(self) -> None:
        with self.assertRaises(ConfigurationError):
            StableReader([])
        reader = StableReader([self.lab.nodes[1].name], **self.lab.options())
        started = time.monotonic()
        with self.assertRaisesRegex(ConfigurationError, "not a CNAME"):
            await reader.client().get("k")
        self.assertLess(time.monotonic() - started, 0.5)
        reader = StableReader(self.lab.replica_names, **self.lab.options(password="wrong"))
        started = time.monotonic()
        with self.assertRaisesRegex(redis.AuthenticationError, "password"):
            await reader.client().get("k")
        self.assertLess(time.monotonic() - started, 0.5)
        await reader.close()

    async def test_writer_writes_through_the_primary(self) -> None:
        writer = StableWriter(self.lab.name("primary"), **self.lab.options())
        await writer.client().set("aw", "1")
        self.assertEqual(b"1", await asyncio.to_thread(self.lab.nodes[0].command, "GET", "aw"))
        pipe = writer.client().pipeline(transaction=True)
        pipe.incr("aw")
        pipe.execute_command("ROLE")
        count, role = await pipe.execute()
        self.assertEqual((2, b"master"), (count, role[0]))
        await writer.close()
