"""What both flavours share: options, the reader's knowledge of names and nodes, counters, errors.

Nothing here does network I/O; the sync and asyncio flavours do that around it.
"""

from __future__ import annotations

import collections
import contextvars
import dataclasses
import ipaddress
import logging
import ssl
import threading
import time
from typing import Any, Deque, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar, Union

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import redis.exceptions

logger = logging.getLogger("redis_stable_readers")

#: The default budget for one call, DNS and connect included. A writer has to ride out a failover:
#: the name's TTL (10 s by default in the construct) plus the time the updater takes to move it.
DEFAULT_TIMEOUT = 15.0
#: A lookup of a name with a last-known answer (in the background, or when nothing else is left) gets at most this.
RESOLVE_SLICE = 1.0
#: A name's first lookup (nothing known yet) gets at most this.
FIRST_RESOLVE_SLICE = 1.0
#: After the resolver failed, names are not looked up again for this long (reads use last-known addresses).
RESOLVER_REST = 5.0
#: One connect attempt (TCP + TLS + AUTH + ROLE) gets at most this, so a black-holed node leaves time for another.
CONNECT_SLICE = 2.0
#: A ROLE check on checkout gets at most max(this, role_check_interval): a node that stops answering is left soon.
ROLE_CHECK_FLOOR = 1.0
#: A node seen as the primary is not tried again for a replica's reads for this long, unless its name moves.
PRIMARY_MEMORY = 30.0
#: After a connection is lost or retired, the reader opens at most this many connections in any role-check interval
OPENS_PER_EVENT = 2
#: for this many intervals; callers beyond them wait in line for a connection another caller releases.
RECOVERY_INTERVALS = 5

REPLICA = "replica"  # a replica whose link to the primary is `connected`
PRIMARY = "primary"
UNSYNCED = "unsynced"  # a replica still connecting to or syncing from its primary
DOWN = "down"  # could not connect


class StableReadersError(redis.exceptions.RedisError):
    """Base of this package's own errors."""


class ConfigurationError(StableReadersError, ValueError):
    """Bad input: raised at once, never retried."""


class BudgetExceeded(redis.exceptions.TimeoutError):
    """A call's `timeout` ran out; the message names the last error met on the way."""


class NoNodeError(redis.exceptions.ConnectionError):
    """No suitable node could be reached this time; retried within the call's budget."""


@dataclasses.dataclass(frozen=True)
class Stats:
    """What a reader or writer did since it was created."""

    connections_opened: int = 0  # TCP+TLS connections that got to ROLE
    connections_retired: int = 0  # closed because they failed or found the wrong role
    moves: int = 0  # connections opened on a name other than their home name
    moves_home: int = 0  # connections swapped one for one onto a better node (make before break), not lost ones
    fallbacks: int = 0  # reader connections opened on the primary because no replica was found
    role_checks: int = 0  # ROLE commands sent by the package (on connect and on checkout)
    resolver_fallbacks: int = 0  # lookups that failed or were skipped, so a last-known address was used
    retries: int = 0  # calls retried after a retryable error
    waits: int = 0  # checkouts that waited for another caller's connection (single flight)
    reopens: int = 0  # slots whose connection was retired, reopened at home once its node was a fit replica again


@dataclasses.dataclass
class Options:
    names: List[str]
    username: Optional[str]
    password: Optional[str]
    port: int
    ssl: bool
    ssl_ca_certs: Optional[str]
    timeout: float
    role_check_interval: float
    nameservers: Optional[List[Tuple[str, int]]]
    max_connections: Optional[int]
    decode_responses: bool
    connections_per_name: int = 2

    @property
    def cap(self) -> int:
        """The pool's slots: connections_per_name per name, or max_connections if that is smaller."""
        slots = self.connections_per_name * len(self.names)
        return slots if self.max_connections is None else min(slots, self.max_connections)


def build_options(names: Union[str, Sequence[str]], *, username: Optional[str], password: Optional[str], port: int,
                  ssl: bool, ssl_ca_certs: Optional[str], timeout: float, role_check_interval: float,
                  nameservers: Optional[Sequence[Union[str, Tuple[str, int]]]], max_connections: Optional[int],
                  decode_responses: bool, what: str, connections_per_name: int = 2) -> Options:
    """Checks every option and says which one is wrong, with the value received and what is allowed."""
    received = names
    if isinstance(names, str):
        names = names.split(",")  # "replica1.zone,replica2.zone", as REPLICA_HOSTNAMES holds them
    if names is None or not all(isinstance(n, str) for n in names):
        raise ConfigurationError(f"{what}: names must be DNS names (strings), received {received!r}")
    names = [n.strip().rstrip(".") for n in names]
    names = [n for n in names if n]
    if not names:
        raise ConfigurationError(f"{what}: names must hold at least one DNS name, received {received!r}")
    for name in names:
        try:
            dns.name.from_text(name)
            ipaddress.ip_address(name)
        except ValueError:
            continue
        except dns.exception.DNSException as error:
            raise ConfigurationError(f"{what}: name {name!r} is not a valid DNS name ({error})") from None
        raise ConfigurationError(f"{what}: name {name!r} is an IP address; give the stable DNS name (a CNAME)")
    if len(set(names)) != len(names):
        raise ConfigurationError(f"{what}: names must be distinct, received {names!r}")
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigurationError(f"{what}: port must be an integer from 1 to 65535, received {port!r}")
    if not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigurationError(f"{what}: timeout must be a number of seconds > 0, received {timeout!r}")
    if not isinstance(role_check_interval, (int, float)) or not role_check_interval > 0:
        raise ConfigurationError(
            f"{what}: role_check_interval must be a number of seconds > 0, received {role_check_interval!r}")
    if max_connections is not None and (not isinstance(max_connections, int) or max_connections < 1):
        raise ConfigurationError(f"{what}: max_connections must be None or an integer >= 1, received {max_connections!r}")
    if isinstance(connections_per_name, bool) or not isinstance(connections_per_name, int) or connections_per_name < 1:
        raise ConfigurationError(
            f"{what}: connections_per_name must be an integer >= 1, received {connections_per_name!r}")
    servers = None if nameservers is None else [_nameserver(s, what) for s in nameservers]
    if servers == []:
        raise ConfigurationError(f"{what}: nameservers must be None (use resolv.conf) or a non-empty list, received []")
    return Options(names=names, username=username, password=password, port=port, ssl=bool(ssl),
                   ssl_ca_certs=ssl_ca_certs, timeout=float(timeout), role_check_interval=float(role_check_interval),
                   nameservers=servers, max_connections=max_connections, decode_responses=bool(decode_responses),
                   connections_per_name=connections_per_name)


def _nameserver(server: Union[str, Tuple[str, int]], what: str) -> Tuple[str, int]:
    host, port = (server, 53) if isinstance(server, str) else (server[0], server[1])
    if isinstance(server, str) and server.count(":") == 1:  # "127.1.2.53:5353"; a bare IPv6 address has several colons
        host, port_text = server.split(":")
        port = int(port_text) if port_text.isdigit() else -1
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigurationError(
            f"{what}: nameservers entries must be 'IP', 'IP:port' or (IP, port), received {server!r}") from None
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigurationError(f"{what}: nameserver port must be 1 to 65535, received {server!r}")
    return host, port


def make_ssl_context(ca_certs: Optional[str]) -> ssl.SSLContext:
    """Verifies the chain and the host name (the CNAME's target): the default store honours SSL_CERT_FILE."""
    context = ssl.create_default_context(cafile=ca_certs)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def configure_resolver(resolver: dns.resolver.Resolver, servers: Optional[List[Tuple[str, int]]]) -> None:
    if servers is not None:
        resolver.nameservers = [host for host, _ in servers]
        resolver.nameserver_ports = {host: port for host, port in servers}
    resolver.cache = None  # the reader keeps its own last-known answers; TTLs belong to the resolver it asks


# The deadline of the call running in this thread or task: set by the client, read by the pool and the connection.
call_deadline: contextvars.ContextVar[Optional[float]] = contextvars.ContextVar(
    "redis_stable_readers_deadline", default=None)


def remaining(default_budget: float) -> float:
    deadline = call_deadline.get()
    if deadline is None:
        return default_budget
    return deadline - time.monotonic()


def classify_role(reply: object) -> str:
    """ROLE's reply: ["master", ...] or ["slave", host, port, state, offset]."""
    def text(value: object) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)
    if not isinstance(reply, (list, tuple)) or not reply:
        return DOWN
    kind = text(reply[0])
    if kind == "master":
        return PRIMARY
    if kind == "slave" and len(reply) > 3:
        return REPLICA if text(reply[3]) == "connected" else UNSYNCED
    return UNSYNCED


def is_wrong_password(error: BaseException) -> bool:
    return isinstance(error, redis.exceptions.AuthenticationError) or (
        isinstance(error, redis.exceptions.ResponseError) and str(error).startswith(("WRONGPASS", "NOAUTH")))


def role_not_permitted(error: BaseException) -> bool:
    return isinstance(error, redis.exceptions.NoPermissionError) or (
        isinstance(error, redis.exceptions.ResponseError) and str(error).startswith("NOPERM"))


@dataclasses.dataclass
class NameEntry:
    target: Optional[str] = None  # the CNAME's target: the node's own name, what TLS verifies
    address: Optional[str] = None  # its IPv4 address
    resolved_at: float = float("-inf")
    validated: bool = False  # once a lookup has shown the name is a CNAME


class Directory:
    """A reader's knowledge: each name's last good answer, each node's last seen role, counters and the event window.

    Every method is quick and never does I/O, so one threading lock serves threads and the event loop alike.
    """

    def __init__(self, options: Options, want: str):
        self.options = options
        self.want = want  # REPLICA for a reader, PRIMARY for a writer
        self.lock = threading.Lock()
        self.entries: Dict[str, NameEntry] = {name: NameEntry() for name in options.names}
        self.roles: Dict[str, Tuple[str, float]] = {}  # address -> (role, seen at)
        self.counters = {field.name: 0 for field in dataclasses.fields(Stats)}
        self.next_home = 0
        self.resolver_rest_until = float("-inf")
        self.event_at = float("-inf")
        self.news_at = float("-inf")  # when a name moved or a node became fit
        self.open_times: Deque[float] = collections.deque()  # opens (not moves home) in the last interval
        self.last_probe_at = float("-inf")  # the last move home towards a node not yet known good

    # counters
    def count(self, counter: str, by: int = 1) -> None:
        with self.lock:
            self.counters[counter] += by

    def stats(self) -> Stats:
        with self.lock:
            return Stats(**self.counters)

    # homes
    def assign_home(self) -> str:
        with self.lock:
            name = self.options.names[self.next_home % len(self.options.names)]
            self.next_home += 1
            return name

    # what the resolver said
    def should_resolve(self, name: str, now: float, max_age: float) -> bool:
        with self.lock:
            entry = self.entries[name]
            if not entry.validated:
                return True  # the first answer decides whether the name is usable at all
            return now >= self.resolver_rest_until and now - entry.resolved_at >= max_age

    def resolved(self, name: str, target: str, address: str, now: float) -> None:
        with self.lock:
            entry = self.entries[name]
            if entry.address is not None and entry.address != address:
                logger.info("name %s moved from %s (%s) to %s (%s)", name, entry.target, entry.address, target, address)
                self.news_at = now  # connections away from home look again at once
            entry.target, entry.address, entry.resolved_at, entry.validated = target, address, now, True

    def resolver_failed(self, name: str, error: BaseException, now: float) -> None:
        with self.lock:
            self.resolver_rest_until = now + RESOLVER_REST
            self.counters["resolver_fallbacks"] += 1
            entry = self.entries[name]
        logger.warning("lookup of %s failed (%s); using its last-known address %s (%s)", name, error or "slow",
                       entry.address, entry.target)

    def entry(self, name: str) -> NameEntry:
        with self.lock:
            return dataclasses.replace(self.entries[name])

    def news(self, now: float) -> None:
        """Something changed (a connection moved home): connections away from home look again at once."""
        with self.lock:
            self.news_at = now

    # what nodes said
    def saw_role(self, address: str, role: str, now: float) -> None:
        with self.lock:
            previous = self.roles.get(address)
            self.roles[address] = (role, now)
            if role == self.want and (previous is None or previous[0] != role):
                self.news_at = now  # a node became fit: connections away from home look again at once
        if previous is None or previous[0] != role:
            logger.info("node %s is %s", address, role)

    def role_of(self, address: Optional[str], now: float) -> Optional[str]:
        """The node's role if still believed: PRIMARY for long (it rarely turns back without its name moving),
        the others for one role-check interval (an unsynced replica catches up, a down node restarts)."""
        if address is None:
            return None
        with self.lock:
            seen = self.roles.get(address)
        if seen is None:
            return None
        role, at = seen
        memory = PRIMARY_MEMORY if role == PRIMARY else self.options.role_check_interval
        return role if now - at < memory else None

    def role_seen_since(self, address: Optional[str], since: float) -> Optional[str]:
        with self.lock:
            seen = self.roles.get(address) if address else None
        return seen[0] if seen is not None and seen[1] > since else None

    def candidates(self, home: str, now: float) -> Tuple[List[str], List[str]]:
        """Names to try, best first, and the fallbacks (names on the primary) for when no replica answers.

        Home first unless its node is known to be unfit; then names on known-good replicas; then unknown ones."""
        names = self.options.names
        start = names.index(home)
        rotated = names[start:] + names[:start]
        good: List[str] = []
        unknown: List[str] = []
        fallback: List[str] = []
        for name in rotated:
            role = self.role_of(self.entry(name).address, now)
            if role == self.want:
                good.append(name)
            elif role is None:
                unknown.append(name)
            elif role == PRIMARY:
                fallback.append(name)
        if home in good or home in unknown:
            first = [home]
            good = [n for n in good if n != home]
            unknown = [n for n in unknown if n != home]
        else:
            first = []
        return first + good + unknown, fallback

    # single flight: events and new connections
    def event(self, now: float) -> None:
        """A connection was lost or retired: for RECOVERY_INTERVALS from now, at most OPENS_PER_EVENT opens in any
        role-check interval. Connections lost together (one kill, one promotion) make one event."""
        with self.lock:
            self.event_at = now

    def _recent_opens(self, now: float) -> int:
        interval = self.options.role_check_interval
        while self.open_times and now - self.open_times[0] >= interval:
            self.open_times.popleft()
        return len(self.open_times)

    def may_open(self, now: float) -> bool:
        with self.lock:
            recovering = now - self.event_at < RECOVERY_INTERVALS * self.options.role_check_interval
            return not recovering or self._recent_opens(now) < OPENS_PER_EVENT

    def opening(self, now: float) -> None:
        with self.lock:
            self._recent_opens(now)
            self.open_times.append(now)

    def event_ends_in(self, now: float) -> float:
        """Time until another open may be allowed."""
        with self.lock:
            self._recent_opens(now)
            if not self.open_times:
                return 0.0
            return max(0.0, self.open_times[0] + self.options.role_check_interval - now)

    # decisions the pools act on
    def connected(self, name: str, home: str, target: str, address: str, role: str, allow: Sequence[str]) -> bool:
        """Bookkeeping after a connect reached ROLE; whether the connection may stay (its node's role is allowed)."""
        now = time.monotonic()
        self.count("connections_opened")
        self.count("role_checks")
        self.saw_role(address, role, now)
        if role not in allow:
            return False
        if role != self.want:
            self.count("fallbacks")
            logger.warning("no replica found through %s: reading from the primary %s through %s for now",
                           self.options.names, target, name)
        elif name != home:
            self.count("moves")
            logger.info("connection with home %s opened on %s (%s) instead", home, name, target)
        else:
            logger.debug("connection opened on %s (%s, %s)", name, target, address)
        return True

    def role_checked(self, address: str, was: Optional[str], role: str) -> bool:
        """Bookkeeping after a checkout's ROLE check; whether the connection may stay on its node."""
        self.count("role_checks")
        self.saw_role(address, role, time.monotonic())
        on_fallback = self.want == REPLICA and was == PRIMARY and role == PRIMARY  # opened there: no replica then
        return role == self.want or on_fallback

    def go_home(self, name: Optional[str], home: str, role: Optional[str], opening: bool, moving: bool,
                now: float) -> str:
        """Whether an away connection (on another name, or on the primary) should move: GO_HOME at once if its home
        node is known good, else as one probe per interval per reader; LOOK_AGAIN at the next checkout while another
        open is under way; STAY otherwise. One move at a time: a successful one makes news for the rest."""
        if name == home and role == self.want:
            return STAY
        first, _ = self.candidates(home, now)
        if not first or (first[0] != home and role == self.want):
            return STAY
        if moving:
            return STAY
        if opening:
            return LOOK_AGAIN
        if self.role_of(self.entry(first[0]).address, now) == self.want:
            return GO_HOME
        with self.lock:
            if now - self.last_probe_at >= self.options.role_check_interval:
                self.last_probe_at = now
                return GO_HOME
        return STAY

    def home_to_reopen(self, vacant: Sequence[str], busy: bool, now: float) -> Optional[str]:
        """Which empty slot to reopen at its home (in the background, one at a time): one whose home node is known to be
        a fit replica, else, at most once per interval, one whose home node's role is not known (a probe)."""
        if busy or not vacant:
            return None
        roles = {home: self.role_of(self.entry(home).address, now) for home in set(vacant)}
        for home in vacant:
            if roles[home] == self.want:
                return home
        unknown = [home for home in vacant if roles[home] is None]
        with self.lock:
            if unknown and now - self.last_probe_at >= self.options.role_check_interval:
                self.last_probe_at = now
                return unknown[0]
        return None

    def replacement_fits(self, replacement_name: Optional[str], replacement_role: Optional[str], home: str,
                         old_role: Optional[str]) -> bool:
        """A move home keeps its replacement if it reached a good node: home, or any, when the old one is on the
        primary."""
        return replacement_role == self.want and (replacement_name == home or old_role != self.want)


GO_HOME, STAY, LOOK_AGAIN = "go home", "stay", "look again"


def retryable(error: BaseException, want: str) -> bool:
    if isinstance(error, (redis.exceptions.AuthenticationError, redis.exceptions.AuthorizationError)):
        return False
    if isinstance(error, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
        return True
    return want == PRIMARY and isinstance(error, redis.exceptions.ReadOnlyError)


class Attempts:
    """One call's retry policy: the budget's deadline, failures so far and the last error met."""

    def __init__(self, directory: Directory, deadline: float, retry: bool):
        self.directory, self.deadline, self.retry = directory, deadline, retry
        self.failures = 0
        self.last: Optional[redis.exceptions.RedisError] = None

    def pause_after(self, error: redis.exceptions.RedisError) -> float:
        """The pause before the next attempt; raises when there is none (the error, or BudgetExceeded naming the
        last error met before the budget ran out)."""
        left = self.deadline - time.monotonic()
        if isinstance(error, BudgetExceeded) and self.last is not None:
            raise BudgetExceeded(f"{error}; the last error was: {self.last}") from self.last
        if not self.retry or not retryable(error, self.directory.want) or left <= 0:
            raise error
        self.last = error
        self.failures += 1
        self.directory.count("retries")
        logger.debug("retrying after %r (%.3f s of the budget left)", error, left)
        # The first retry goes at once (another connection or node is likely fine); then back off.
        return 0.0 if self.failures == 1 else min(0.025 * 2 ** self.failures, 0.5, left)


def start_call(timeout: float) -> Tuple[float, Optional[contextvars.Token]]:
    """The call's deadline: the enclosing call's if there is one (a pipeline inside a call), else now + timeout."""
    outer = call_deadline.get()
    if outer is not None:
        return outer, None
    deadline = time.monotonic() + timeout
    return deadline, call_deadline.set(deadline)


PoolT = TypeVar("PoolT")
ClientT = TypeVar("ClientT")


class StableBase(Generic[PoolT, ClientT]):
    """What both flavours' readers and writers share: checked options, the directory, the pool and the client."""

    _want = REPLICA

    def __init__(self, names: Union[str, Sequence[str]], *, username: Optional[str] = None,
                 password: Optional[str] = None, port: int = 6379, ssl: bool = True,
                 ssl_ca_certs: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT,
                 role_check_interval: float = 1.0,
                 nameservers: Optional[Sequence[Union[str, Tuple[str, int]]]] = None,
                 max_connections: Optional[int] = None, decode_responses: bool = False,
                 connections_per_name: int = 2):
        self._options: Options = build_options(
            names, username=username, password=password, port=port, ssl=ssl, ssl_ca_certs=ssl_ca_certs,
            timeout=timeout, role_check_interval=role_check_interval, nameservers=nameservers,
            max_connections=max_connections, decode_responses=decode_responses, what=type(self).__name__,
            connections_per_name=connections_per_name)
        self._directory = Directory(self._options, self._want)
        self._pool: PoolT = self._make_pool(self._directory)
        self._client: ClientT = self._make_client(self._pool)

    def _make_pool(self, directory: Directory) -> PoolT:
        raise NotImplementedError

    def _make_client(self, pool: PoolT) -> ClientT:
        raise NotImplementedError

    @property
    def stats(self) -> Stats:
        """A snapshot of the counters."""
        return self._directory.stats()

    @property
    def pool(self) -> PoolT:
        return self._pool


def writer_names(name: Any) -> List[str]:
    if not isinstance(name, str):
        raise ConfigurationError(f"StableWriter: name must be one DNS name (primary.<zone>), received {name!r}")
    return [name]


def answer_of(answer: dns.resolver.Answer, name: str) -> Tuple[str, str]:
    """The CNAME's target (the node's own name, which its certificate holds, even if that name is itself an alias)
    and the first IPv4 address at the end of the chain; a name that is not a CNAME is bad input."""
    qname = dns.name.from_text(name)
    cname = None
    if answer.response is not None:
        cname = next((rrset for rrset in answer.response.answer
                      if rrset.name == qname and rrset.rdtype == dns.rdatatype.CNAME), None)
    if cname is None or answer.canonical_name == qname:
        raise ConfigurationError(
            f"name {name!r} is not a CNAME (it has an A record of its own): give the stable names the construct made, "
            "whose CNAME target is the node's own name that TLS verifies")
    target = cname[0].target.to_text(omit_final_dot=True)
    addresses = [record.address for record in answer]
    return target, addresses[0]


def lookup_failure_is_bad_input(error: BaseException, entry: NameEntry, name: str) -> Optional[ConfigurationError]:
    """NXDOMAIN on a name never seen to resolve is a typo, not an outage; say so at once."""
    if entry.validated:
        return None
    if isinstance(error, dns.resolver.NXDOMAIN):
        return ConfigurationError(f"name {name!r} does not exist (NXDOMAIN): check the stable name")
    if isinstance(error, dns.resolver.NoAnswer):
        return ConfigurationError(f"name {name!r} has no IPv4 address (no A record at the end of its CNAME)")
    return None
