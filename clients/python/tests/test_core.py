"""The decisions both flavours share, without servers: retries, role-check outcomes, moves home, DNS answers."""

from __future__ import annotations

import time
import unittest

import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.rrset
import redis

from redis_stable_readers import BudgetExceeded, ConfigurationError
from redis_stable_readers._core import (GO_HOME, LOOK_AGAIN, PRIMARY, REPLICA, STAY, Attempts, Directory, answer_of,
                                        build_options)


def directory(want: str = REPLICA, names=("r1.zone.test", "r2.zone.test")) -> Directory:  # type: ignore[no-untyped-def]
    options = build_options(list(names), username=None, password=None, port=6379, ssl=True, ssl_ca_certs=None,
                            timeout=15.0, role_check_interval=1.0, nameservers=None, max_connections=None,
                            decode_responses=False, what="test")
    return Directory(options, want)


class AttemptsTest(unittest.TestCase):
    def test_first_retry_at_once_then_backoff_within_what_is_left(self) -> None:
        attempts = Attempts(directory(), time.monotonic() + 10, retry=True)
        self.assertEqual(0.0, attempts.pause_after(redis.ConnectionError("lost")))
        second = attempts.pause_after(redis.TimeoutError("slow"))
        self.assertGreater(second, 0.0)
        self.assertLessEqual(second, 0.5)
        self.assertEqual(2, attempts.directory.stats().retries)

    def test_what_is_not_retried(self) -> None:
        attempts = Attempts(directory(), time.monotonic() + 10, retry=True)
        for error in (redis.ResponseError("WRONGTYPE"), redis.AuthenticationError("no"), redis.ReadOnlyError("RO")):
            with self.assertRaises(type(error)):
                attempts.pause_after(error)  # READONLY is retried by writers only
        writer = Attempts(directory(PRIMARY, ("primary.zone.test",)), time.monotonic() + 10, retry=True)
        self.assertEqual(0.0, writer.pause_after(redis.ReadOnlyError("READONLY")))
        with self.assertRaises(redis.ConnectionError):
            Attempts(directory(), time.monotonic() + 10, retry=False).pause_after(redis.ConnectionError("lost"))
        with self.assertRaises(redis.ConnectionError):
            Attempts(directory(), time.monotonic() - 0.001, retry=True).pause_after(redis.ConnectionError("lost"))

    def test_budget_exceeded_names_the_last_error(self) -> None:
        attempts = Attempts(directory(), time.monotonic() + 10, retry=True)
        attempts.pause_after(redis.ConnectionError("node-2 refused"))
        with self.assertRaises(BudgetExceeded) as caught:
            attempts.pause_after(BudgetExceeded("no connection within the budget"))
        self.assertIn("node-2 refused", str(caught.exception))


class DecisionsTest(unittest.TestCase):
    def test_role_check_outcome(self) -> None:
        reader = directory()
        self.assertTrue(reader.role_checked("10.0.0.2", REPLICA, REPLICA))
        self.assertFalse(reader.role_checked("10.0.0.2", REPLICA, PRIMARY), "a promoted replica is left")
        self.assertTrue(reader.role_checked("10.0.0.1", PRIMARY, PRIMARY), "a fallback connection stays for now")
        self.assertEqual(3, reader.stats().role_checks)

    def test_go_home(self) -> None:
        reader = directory()
        now = time.monotonic()
        reader.resolved("r1.zone.test", "node-1.grp", "10.0.0.1", now)
        reader.resolved("r2.zone.test", "node-2.grp", "10.0.0.2", now)
        # At home on a replica: nothing to do.
        self.assertEqual(STAY, reader.go_home("r1.zone.test", "r1.zone.test", REPLICA, False, False, now))
        # Away, home known good: go at once; while another open or move runs: wait.
        reader.saw_role("10.0.0.1", REPLICA, now)
        self.assertEqual(GO_HOME, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, False, now))
        self.assertEqual(LOOK_AGAIN, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, True, False, now))
        self.assertEqual(STAY, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, True, now))
        # Home still a primary: an away connection on a good replica stays.
        reader.saw_role("10.0.0.1", PRIMARY, now)
        self.assertEqual(STAY, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, False, now))

    def test_probes_towards_an_unknown_home_are_one_per_interval(self) -> None:
        reader = directory()
        now = time.monotonic()
        reader.resolved("r1.zone.test", "node-1.grp", "10.0.0.1", now)  # its role not known yet
        self.assertEqual(GO_HOME, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, False, now))
        self.assertEqual(STAY, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, False, now + 0.5))
        self.assertEqual(GO_HOME, reader.go_home("r2.zone.test", "r1.zone.test", REPLICA, False, False, now + 1.0))


    def test_an_empty_slot_reopens_at_a_fit_home_else_probes_once_per_interval(self) -> None:
        reader = directory()
        now = time.monotonic()
        reader.resolved("r1.zone.test", "node-2.grp", "10.0.0.2", now)
        reader.resolved("r2.zone.test", "node-3.grp", "10.0.0.3", now)
        reader.saw_role("10.0.0.2", PRIMARY, now)  # r1's node was promoted: its slots wait
        self.assertIsNone(reader.home_to_reopen(["r1.zone.test"], False, now))
        reader.saw_role("10.0.0.3", REPLICA, now)
        self.assertEqual("r2.zone.test", reader.home_to_reopen(["r1.zone.test", "r2.zone.test"], False, now))
        self.assertIsNone(reader.home_to_reopen(["r2.zone.test"], True, now))  # another open or move is under way
        reader.resolved("r1.zone.test", "node-1.grp", "10.0.0.1", now)  # the name moved to a node not seen yet
        self.assertEqual("r1.zone.test", reader.home_to_reopen(["r1.zone.test"], False, now))
        self.assertIsNone(reader.home_to_reopen(["r1.zone.test"], False, now + 0.5))
        self.assertEqual("r1.zone.test", reader.home_to_reopen(["r1.zone.test"], False, now + 1.0))


class CapTest(unittest.TestCase):
    def options(self, **extra: object):  # type: ignore[no-untyped-def]
        settings = dict(username=None, password=None, port=6379, ssl=True, ssl_ca_certs=None, timeout=15.0,
                        role_check_interval=1.0, nameservers=None, max_connections=None, decode_responses=False,
                        what="StableReader")
        settings.update(extra)
        return build_options(["r1.zone.test", "r2.zone.test", "r3.zone.test"], **settings)  # type: ignore[arg-type]

    def test_connections_per_name_times_names_or_max_connections_if_smaller(self) -> None:
        self.assertEqual(6, self.options().cap)
        self.assertEqual(3, self.options(connections_per_name=1).cap)
        self.assertEqual(4, self.options(max_connections=4).cap)
        self.assertEqual(6, self.options(max_connections=50).cap)

    def test_bad_connections_per_name_is_named(self) -> None:
        for bad in (0, -1, 1.5, "2", True):
            with self.assertRaisesRegex(ConfigurationError, r"connections_per_name must be an integer >= 1, received"):
                self.options(connections_per_name=bad)


def answer(qname: str, *records: str) -> dns.resolver.Answer:
    """A resolver's answer as a server would send it: `records` as "owner TYPE value"."""
    query = dns.message.make_query(qname, dns.rdatatype.A)
    response = dns.message.make_response(query)
    for record in records:
        owner, kind, value = record.split()
        response.answer.append(dns.rrset.from_text(owner, 10, "IN", kind, value))
    response = dns.message.from_wire(response.to_wire())  # as the resolver gets it
    return dns.resolver.Answer(dns.name.from_text(qname), dns.rdatatype.A, dns.rdataclass.IN, response)


class AnswerTest(unittest.TestCase):
    def test_the_cname_target_not_the_end_of_the_chain(self) -> None:
        # The issue: TLS verifies the CNAME's target (the node's own name); a longer chain keeps that name.
        got = answer_of(answer("replica1.zone.test.", "replica1.zone.test. CNAME node-2.grp.cache.test.",
                               "node-2.grp.cache.test. CNAME internal.elsewhere.test.",
                               "internal.elsewhere.test. A 10.0.0.2"), "replica1.zone.test")
        self.assertEqual(("node-2.grp.cache.test", "10.0.0.2"), got)

    def test_a_name_with_its_own_a_record_is_bad_input(self) -> None:
        with self.assertRaisesRegex(ConfigurationError, "not a CNAME"):
            answer_of(answer("node-2.grp.cache.test.", "node-2.grp.cache.test. A 10.0.0.2"), "node-2.grp.cache.test")


if __name__ == "__main__":
    unittest.main()
