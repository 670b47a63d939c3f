"""The thread-safe flavour over redis-py's blocking client."""

from __future__ import annotations

import collections
import queue
import socket
import ssl
import threading
import time
import weakref
from typing import Any, Callable, Deque, List, Optional, Set, Tuple, TypeVar

import dns.exception
import dns.resolver
import redis
import redis.client
import redis.connection
from redis.exceptions import (AuthenticationError, AuthorizationError, BusyLoadingError, ConnectionError,
                              ReadOnlyError, RedisError, ResponseError, TimeoutError)

from ._core import (CONNECT_SLICE, DOWN, FIRST_RESOLVE_SLICE, GO_HOME, LOOK_AGAIN, PRIMARY, REPLICA, RESOLVE_SLICE,
                    ROLE_CHECK_FLOOR, UNSYNCED, Attempts, BudgetExceeded, ConfigurationError, Directory, NoNodeError,
                    StableBase,
                    answer_of, call_deadline, classify_role, configure_resolver, is_wrong_password, logger,
                    lookup_failure_is_bad_input, make_ssl_context, remaining, role_not_permitted, start_call,
                    writer_names)

T = TypeVar("T")


class _Resolver:
    """Answers from the last-known address and refreshes it in the background, so no read waits for the resolver
    while a known node is up. Only a name's first lookup, or one made when nothing else is left to try, waits, and
    then for a short slice of the call's budget."""

    def __init__(self, directory: Directory):
        self.directory = directory
        options = directory.options
        self.resolver = dns.resolver.Resolver(configure=options.nameservers is None)
        configure_resolver(self.resolver, options.nameservers)
        self._lock = threading.Lock()
        self._pending: Set[str] = set()
        self._queue: "queue.Queue[str]" = queue.Queue()
        self._thread: Optional[threading.Thread] = None

    def address(self, name: str, block: bool = False) -> Tuple[str, str]:
        directory = self.directory
        now = time.monotonic()
        entry = directory.entry(name)
        if not entry.validated:
            self._lookup(name, min(FIRST_RESOLVE_SLICE, remaining(directory.options.timeout)))
        elif (directory.role_of(entry.address, now) != directory.want
              and directory.should_resolve(name, now, directory.options.role_check_interval)):
            # A name whose node is a good one needs no lookup: reading there is right wherever DNS points.
            if block:
                self._lookup(name, min(RESOLVE_SLICE, remaining(directory.options.timeout)))
            else:
                self._refresh_soon(name)
        entry = directory.entry(name)
        if entry.address is None or entry.target is None:
            raise NoNodeError(f"cannot resolve {name} and no last-known address for it yet")
        return entry.target, entry.address

    def _lookup(self, name: str, budget: float) -> None:
        directory = self.directory
        entry = directory.entry(name)
        try:
            if budget <= 0:
                raise dns.exception.Timeout()
            answer = self.resolver.resolve(name, "A", search=False, lifetime=budget)
            target, address = answer_of(answer, name)
            directory.resolved(name, target, address, time.monotonic())
        except ConfigurationError as error:
            if not entry.validated:
                raise
            directory.resolver_failed(name, error, time.monotonic())
        except dns.exception.DNSException as error:
            bad = lookup_failure_is_bad_input(error, entry, name)
            if bad is not None:
                raise bad from None
            directory.resolver_failed(name, error, time.monotonic())

    def _refresh_soon(self, name: str) -> None:
        with self._lock:
            if name in self._pending:
                return
            self._pending.add(name)
            self._queue.put(name)
            if self._thread is None:
                self._thread = threading.Thread(target=self._refresh, name="redis-stable-readers-dns", daemon=True)
                self._thread.start()

    def _refresh(self) -> None:
        while True:
            with self._lock:
                if self._queue.empty():
                    self._thread = None
                    return
                name = self._queue.get()
            try:
                self._lookup(name, RESOLVE_SLICE)
            except Exception as error:  # noqa: BLE001 - a background refresh must never die on one name
                logger.warning("background lookup of %s failed: %s", name, error)
            finally:
                with self._lock:
                    self._pending.discard(name)


class StableConnection(redis.connection.Connection):
    """One pooled connection: it has a home name, and connects to a name's last-known address with TLS verified
    against that name's CNAME target (not the stable name, which the certificate does not hold)."""

    def __init__(self, *, stable_pool: "StablePool", **kwargs: Any):
        self.stable_pool = stable_pool
        super().__init__(**kwargs)
        self.home: str = stable_pool.directory.assign_home()
        self.name: Optional[str] = None  # the name it is connected through now
        self.target: Optional[str] = None
        self.role: Optional[str] = None
        self.checked_at = float("-inf")
        self.voluntary = False  # opened to replace a working connection (moving home), not a lost one
        self.superseded = False  # a replacement on a better node is in the pool: retire this one when released
        self.slice_end: Optional[float] = None  # while connecting or checking ROLE: no socket wait goes past this
        self.owed = 0  # replies sent for and not yet read: a connection returned owing one is never reused

    def repr_pieces(self) -> List[Tuple[str, Any]]:
        return [("home", self.home), ("name", self.name), ("target", self.target), ("host", self.host),
                ("role", self.role)]

    def connect(self) -> None:
        if self._sock:
            return
        self.stable_pool.open(self)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.socket_connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._io_timeout())  # the TLS handshake gets what the TCP connect left of the slice
            context = self.stable_pool.ssl_context
            if context is not None:
                try:
                    sock = context.wrap_socket(sock, server_hostname=self.target)
                except ssl.SSLCertVerificationError as error:
                    raise ConfigurationError(
                        f"TLS verification of {self.target} ({self.host}, through {self.name}) failed: "
                        f"{error.verify_message}; set ssl_ca_certs to your CA's PEM file if it is private") from None
            sock.settimeout(self.socket_timeout)
            return sock
        except BaseException:
            sock.close()
            raise

    def connect_to(self, name: str, target: str, address: str, budget: float) -> str:
        """Connects, authenticates and asks ROLE; returns the node's role or raises."""
        self.name, self.target, self.host = name, target, address
        self.socket_connect_timeout = self.socket_timeout = budget
        self.slice_end = time.monotonic() + budget  # TCP, TLS, AUTH and ROLE all fit in the one slice
        try:
            self._sock = self._connect()
        except socket.timeout:
            self.slice_end = None
            raise TimeoutError(f"Timeout connecting to {target} ({address}) through {name}") from None
        except OSError as error:
            self.slice_end = None
            raise ConnectionError(f"Error connecting to {target} ({address}) through {name}: {error!r}") from None
        try:
            self.on_connect()
            self.send_command("ROLE", check_health=False)
            self.role = classify_role(self.read_response())
        except BaseException as error:
            self.slice_end = None
            self.disconnect()
            if is_wrong_password(error):
                raise AuthenticationError(
                    f"{target} through {name} refused the username/password ({error}): check password and username"
                ) from None
            if role_not_permitted(error):
                raise ConfigurationError(
                    f"the user may not run ROLE on {target} ({error}): add +role to its access string") from None
            raise
        self.slice_end = None
        for ref in self._connect_callbacks:  # redis-py's own hook (pub/sub resubscription)
            callback = ref()
            if callback:
                callback(self)
        return self.role

    def _io_timeout(self) -> float:
        """What is left of the call's budget, and of the connect or ROLE-check slice if one is running."""
        left = remaining(self.stable_pool.directory.options.timeout)
        if self.slice_end is not None:
            left = min(left, self.slice_end - time.monotonic())
        return max(left, 0.001)

    def pack_command(self, *args: Any) -> List[bytes]:
        self.owed += 1
        return super().pack_command(*args)

    def disconnect(self, *args: Any, **kwargs: Any) -> None:
        self.owed = 0
        super().disconnect(*args, **kwargs)

    def send_packed_command(self, command: Any, check_health: bool = True, **kwargs: Any) -> None:
        if self._sock is not None:
            # The socket gets what is left of the call's budget (or slice), so no read outlives it.
            self._sock.settimeout(self._io_timeout())
        try:
            super().send_packed_command(command, check_health, **kwargs)
        except IndexError:  # redis-py 4.3 formats an OSError without args this way; it is a lost connection
            self.disconnect()
            raise ConnectionError(f"Connection to {self.target} ({self.host}) lost while writing") from None

    def read_response(self, disable_decoding: bool = False, **kwargs: Any) -> Any:
        try:
            reply = super().read_response(disable_decoding=disable_decoding, **kwargs)
        except ResponseError as error:
            self.owed = max(0, self.owed - 1)
            if isinstance(error, ReadOnlyError) and self.stable_pool.directory.want == PRIMARY:
                # A writer's node was demoted: forget this connection so the retry goes to primary.<zone> again.
                self.stable_pool.directory.saw_role(self.host, REPLICA, time.monotonic())
                self.disconnect()
            raise
        except BusyLoadingError:
            self.stable_pool.directory.saw_role(self.host, UNSYNCED, time.monotonic())
            raise
        self.owed = max(0, self.owed - 1)
        return reply


class _Waiter:
    __slots__ = ("connection",)

    def __init__(self) -> None:
        self.connection: Optional[StableConnection] = None


class StablePool(redis.ConnectionPool):
    """Holds at most `cap` connections (connections_per_name per name), each with a home name; hands each caller one
    (others wait in line), checks roles, and opens new connections one at a time. A connection found unfit is not
    replaced while another healthy one is left: callers share those, and its slot is reopened at home later."""

    def __init__(self, directory: Directory, **connection_kwargs: Any):
        self.directory = directory
        options = directory.options
        self.ssl_context = make_ssl_context(options.ssl_ca_certs) if options.ssl else None
        self.resolver = _Resolver(directory)
        super().__init__(connection_class=StableConnection, max_connections=options.cap,
                         username=options.username, password=options.password, port=options.port,
                         decode_responses=options.decode_responses, **connection_kwargs)
        self.connection_kwargs["stable_pool"] = weakref.proxy(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}<names={self.directory.options.names}, want={self.directory.want}>"

    def reset(self) -> None:
        super().reset()
        self._cond = threading.Condition()
        self._idle: Deque[StableConnection] = collections.deque()
        self._all: Set[StableConnection] = set()
        self._opening = False
        self._moving = False  # a connection is being moved home in the background
        self._waiters: Deque[_Waiter] = collections.deque()
        self._slots_made = 0  # slots filled lazily so far, up to the cap
        self._vacant: List[str] = []  # homes of slots whose connection was retired, to reopen once home is fit
        self._opening_home: Optional[str] = None

    def _live_locked(self) -> int:
        return sum(1 for c in self._all if not c.superseded)

    def _start_open_locked(self) -> None:
        """Claims the slot the next foreground open fills: an empty one if nothing is left, else a new one."""
        self._opening = True
        if self._vacant and not self._live_locked():
            self._opening_home = self._vacant.pop(0)
        else:
            names = self.directory.options.names
            self._opening_home = names[self._slots_made % len(names)]
            self._slots_made += 1

    # checkout and return
    def get_connection(self, command_name: str, *keys: Any, **options: Any) -> StableConnection:
        self._checkpid()
        directory = self.directory
        end = time.monotonic() + remaining(directory.options.timeout)
        waited = False
        while True:
            now = time.monotonic()
            if now >= end:
                raise BudgetExceeded(f"no connection through {directory.options.names} within the "
                                     f"{directory.options.timeout} s budget")
            connection: Optional[StableConnection] = None
            with self._cond:
                if self._idle and not self._waiters:
                    connection = self._idle.popleft()  # oldest first: every connection is used, so checked, in turn
                elif not self._waiters and self._can_open(now):
                    self._start_open_locked()
                else:
                    # Single flight: wait in line for a connection another caller releases, or for our turn to open.
                    if not waited:
                        waited = True
                        directory.count("waits")
                    waiter = _Waiter()
                    self._waiters.append(waiter)
                    try:
                        while waiter.connection is None:
                            now = time.monotonic()
                            if self._idle and self._waiters[0] is waiter:
                                waiter.connection = self._idle.popleft()
                                break
                            if now >= end or (self._waiters[0] is waiter and self._can_open(now)):
                                break
                            wait = end - now
                            if not directory.may_open(now):
                                wait = min(wait, directory.event_ends_in(now) + 0.001)
                            self._cond.wait(wait)
                    finally:
                        if waiter in self._waiters:
                            self._waiters.remove(waiter)
                            self._cond.notify_all()  # the next in line may be first now: let it look
                    connection = waiter.connection
                    if connection is None:
                        if now >= end or not self._can_open(now):
                            continue
                        self._start_open_locked()
            if connection is None:
                return self._open_new()
            usable = self._fit(connection, now)
            if usable is not None:
                return usable

    def _can_open(self, now: float) -> bool:
        """Callers share the healthy connections left: a new one is opened only to fill a slot never filled yet
        (lazily, at most 2 per interval after an event), or when no connection is left at all."""
        if self._opening:
            return False
        fresh = self._slots_made < self.max_connections
        if not self._live_locked():
            return fresh or bool(self._vacant)  # nothing to share: open one at once
        return fresh and self.directory.may_open(now)

    def _open_new(self) -> StableConnection:
        connection = StableConnection(**self.connection_kwargs)
        connection.home = self._opening_home or connection.home
        try:
            connection.connect()
        finally:
            with self._cond:
                self._opening = False
                if connection._sock is not None:
                    self._all.add(connection)
                else:
                    self._vacant.append(connection.home)  # the slot stays, empty
                self._cond.notify_all()
        return connection

    def release(self, connection: StableConnection) -> None:  # type: ignore[override]
        with self._cond:
            if connection not in self._all:
                connection.disconnect()
                return
            if connection._sock is None:  # it failed while in use
                self._retire_locked(connection, "it failed", event=True)
            elif connection.superseded:  # its replacement on a better node is in the pool already
                self._retire_locked(connection, "replaced by a connection on a better node", event=False)
            elif connection.owed:  # its caller stopped before reading every reply: never hand those to another
                self._retire_locked(connection, f"{connection.owed} replies were left unread", event=False)
            elif self._waiters:  # first come, first served: a caller that just released must not overtake them
                self._waiters.popleft().connection = connection
            else:
                self._idle.append(connection)
            self._cond.notify_all()

    def disconnect(self, inuse_connections: bool = True) -> None:
        with self._cond:
            for connection in list(self._all):
                if inuse_connections or connection in self._idle:
                    connection.disconnect()
                    self._all.discard(connection)
                    if not inuse_connections and not connection.superseded:
                        self._vacant.append(connection.home)
            if inuse_connections:  # everything closed: the next calls fill the slots afresh
                self._slots_made, self._vacant = 0, []
            self._idle = collections.deque(c for c in self._idle if c in self._all)
            self._cond.notify_all()

    def make_connection(self) -> StableConnection:
        return StableConnection(**self.connection_kwargs)

    def _retire(self, connection: StableConnection, why: str, event: bool) -> None:
        with self._cond:
            self._retire_locked(connection, why, event)
            self._cond.notify_all()

    def _retire_locked(self, connection: StableConnection, why: str, event: bool) -> None:
        connection.disconnect()
        if connection in self._all and not connection.superseded:  # its slot stays, empty, until home is fit
            self._vacant.append(connection.home)
        self._all.discard(connection)
        self.directory.count("connections_retired")
        if event:
            self.directory.event(time.monotonic())
        logger.info("retired a connection to %s (%s, home %s): %s", connection.name, connection.host,
                    connection.home, why)

    # role checks
    def _fit(self, connection: StableConnection, now: float) -> Optional[StableConnection]:
        """The connection to use (this one, or its replacement on a better node), or None if it was retired."""
        directory = self.directory
        want = directory.want
        if connection._sock is None:
            self._retire(connection, "it was closed", event=True)
            return None
        seen = directory.role_seen_since(connection.host, connection.checked_at)
        # A role another connection saw since (not a failed connect: that says nothing of this one's socket).
        if seen not in (None, DOWN, want) and not (seen == PRIMARY and connection.role == PRIMARY):
            self._retire(connection, f"another connection found its node {seen}", event=True)
            return None
        try:
            if connection.can_read(0):
                self._retire(connection, "it had unexpected data", event=True)
                return None
        except (ConnectionError, OSError):
            self._retire(connection, "the server closed it", event=True)
            return None
        away = connection.name != connection.home or connection.role != want
        news = away and directory.news_at > connection.checked_at
        if now - connection.checked_at < directory.options.role_check_interval and not news:
            return connection
        # A node that stops answering must not hold the caller for its whole budget: another node can serve it.
        connection.slice_end = time.monotonic() + max(ROLE_CHECK_FLOOR, directory.options.role_check_interval)
        try:
            connection.send_command("ROLE", check_health=False)
            role = classify_role(connection.read_response())
        except (RedisError, OSError) as error:
            if isinstance(error, (TimeoutError, socket.timeout)):
                directory.saw_role(connection.host, DOWN, time.monotonic())  # new connections try elsewhere first
            self._retire(connection, f"ROLE failed: {error}", event=True)
            return None
        finally:
            connection.slice_end = None
        stays = directory.role_checked(connection.host, connection.role, role)
        now = time.monotonic()
        connection.checked_at, connection.role = now, role
        if not stays:
            self._retire(connection, f"its node is {role}", event=True)
            return None
        if self._should_go_home(connection, now):
            self._move_home_soon(connection)  # this caller goes on with the connection it has, which still fits
        elif self._vacant:
            self._reopen_soon()
        return connection

    def _reopen_soon(self) -> None:
        """Reopens one empty slot at its home, in a thread of its own, once that home's node is a fit replica."""
        with self._cond:
            if self._moving or self._opening or not self._vacant:
                return
            vacant = list(self._vacant)
        for home in set(vacant):
            if self.directory.entry(home).validated:
                try:
                    self.resolver.address(home)  # refreshed in the background while its node is not known fit
                except RedisError:
                    pass
        home = self.directory.home_to_reopen(vacant, False, time.monotonic())
        if home is None:
            return
        with self._cond:
            if self._moving or home not in self._vacant:
                return
            self._moving = True
            self._vacant.remove(home)
        threading.Thread(target=self._reopen, args=(home,), name="redis-stable-readers-reopen", daemon=True).start()

    def _reopen(self, home: str) -> None:
        call_deadline.set(time.monotonic() + CONNECT_SLICE)  # this thread's own budget: one connect attempt
        connection = StableConnection(**self.connection_kwargs)
        connection.home, connection.voluntary = home, True
        opened = False
        try:
            opened = self._attempt(connection, home, {self.directory.want}, None) is not None
        except Exception as error:  # noqa: BLE001 - a background reopen must never die unseen
            logger.info("could not reopen a connection at home %s: %s", home, error)
        with self._cond:
            self._moving = False
            if opened:
                self._all.add(connection)
                self.directory.count("reopens")
                if self._waiters:
                    self._waiters.popleft().connection = connection
                else:
                    self._idle.append(connection)
            else:
                self._vacant.append(home)
            self._cond.notify_all()
        if not opened:
            connection.disconnect()

    def _should_go_home(self, connection: StableConnection, now: float) -> bool:
        directory = self.directory
        if connection.name != connection.home or connection.role != directory.want:
            try:
                self.resolver.address(connection.home)  # refreshed in the background, at most once per interval
            except RedisError:
                pass
        decision = directory.go_home(connection.name, connection.home, connection.role, self._opening,
                                     self._moving, now)
        if decision == LOOK_AGAIN:
            connection.checked_at = float("-inf")  # another open is under way: look again at the next checkout
        return decision == GO_HOME

    def _move_home_soon(self, connection: StableConnection) -> None:
        """Opens the replacement in a thread of its own, so no caller waits for its TLS handshake and ROLE."""
        with self._cond:
            if self._moving:
                return
            self._moving = True
        threading.Thread(target=self._open_replacement, args=(connection,), name="redis-stable-readers-move",
                         daemon=True).start()

    def _open_replacement(self, connection: StableConnection) -> None:
        """Make before break: a connection with the same home on a better node takes the old one's place in the
        pool (the old one is retired now if idle, else when released); if it does not fit, the old one stays."""
        call_deadline.set(time.monotonic() + CONNECT_SLICE)  # this thread's own budget: one connect attempt
        replacement = StableConnection(**self.connection_kwargs)
        replacement.home, replacement.voluntary = connection.home, True
        fits = False
        try:
            replacement.connect()
            fits = self.directory.replacement_fits(replacement.name, replacement.role, connection.home, connection.role)
        except Exception as error:  # noqa: BLE001 - a background move must never die unseen
            logger.info("could not move a connection back home to %s: %s", connection.home, error)
        with self._cond:
            self._moving = False
            fits = fits and connection in self._all and not connection.superseded  # else it closed meanwhile
            if fits:
                self._all.add(replacement)
                connection.superseded = True
                if connection in self._idle:
                    self._idle.remove(connection)
                    self._retire_locked(connection, f"replaced by a connection on {replacement.name}", event=False)
                if self._waiters:
                    self._waiters.popleft().connection = replacement
                else:
                    self._idle.append(replacement)
                self.directory.count("moves_home")
                self.directory.news(time.monotonic())  # the other away connections look again at once
            self._cond.notify_all()
        if not fits:
            replacement.disconnect()

    def open(self, connection: StableConnection) -> None:
        """Connects `connection` to its home name if that node fits, else another name's, else (reader) the primary."""
        directory = self.directory
        options = directory.options
        if not connection.voluntary:  # moving home replaces a connection; it adds none
            directory.opening(time.monotonic())
            logger.debug("opening a connection (home %s)", connection.home)
        first, fallback = directory.candidates(connection.home, time.monotonic())
        if not first and not fallback:  # nothing known fits: now the resolver is worth waiting for
            for name in options.names:
                try:
                    self.resolver.address(name, block=True)
                except NoNodeError:
                    pass
        first, _ = directory.candidates(connection.home, time.monotonic())
        failed: List[str] = []
        for index, name in enumerate(first):
            last = index == len(first) - 1
            allow = {directory.want, PRIMARY} if last and directory.want == REPLICA and not failed else {directory.want}
            if self._attempt(connection, name, allow, failed) is not None:
                return
        for name in failed:  # a connect that failed once (a node closing connections) gets one more try
            if self._attempt(connection, name, {directory.want}, None, force=True) is not None:
                return
        if directory.want == REPLICA:
            _, fallback = directory.candidates(connection.home, time.monotonic())  # what the passes learned
            for name in fallback:
                if self._attempt(connection, name, {PRIMARY}, None) is not None:
                    return
        raise NoNodeError(f"no {directory.want} reachable through {options.names} "
                          f"(last known: {[directory.entry(n).address for n in options.names]})")

    def _attempt(self, connection: StableConnection, name: str, allow: Set[str],
                 failed: Optional[List[str]], force: bool = False) -> Optional[str]:
        directory = self.directory
        left = remaining(directory.options.timeout)
        if left <= 0:
            return None
        try:
            target, address = self.resolver.address(name)
        except NoNodeError as error:
            logger.warning("%s", error)
            return None
        known = directory.role_of(address, time.monotonic())
        if known is not None and known not in allow and not force:
            return None
        budget = min(CONNECT_SLICE, max(remaining(directory.options.timeout), 0.001))
        try:
            role = connection.connect_to(name, target, address, budget)
        except (AuthenticationError, AuthorizationError, ConfigurationError):
            raise
        except (ConnectionError, TimeoutError, OSError) as error:
            directory.saw_role(address, DOWN, time.monotonic())
            if failed is not None:
                failed.append(name)
            logger.warning("could not connect to %s (%s) through %s: %s", target, address, name, error)
            return None
        if not directory.connected(name, connection.home, target, address, role, tuple(allow)):
            connection.disconnect()
            return None
        connection.checked_at = time.monotonic()
        connection.socket_timeout = directory.options.timeout
        return role


class _Stable(StableBase[StablePool, "_Client"]):
    def _make_pool(self, directory: Directory) -> StablePool:
        return StablePool(directory)

    def _make_client(self, pool: StablePool) -> "_Client":
        return _Client(self, pool)

    def client(self) -> redis.Redis:
        """A redis.Redis on this object's pool: share it across threads."""
        return self._client

    def close(self) -> None:
        """Closes every connection; a later call opens new ones."""
        self._pool.disconnect()

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, attempt: Callable[[], T], retry: bool = True) -> T:
        deadline, token = start_call(self._options.timeout)
        try:
            attempts = Attempts(self._directory, deadline, retry)
            while True:
                try:
                    return attempt()
                except RedisError as error:
                    pause = attempts.pause_after(error)
                    if pause:
                        time.sleep(pause)
        finally:
            if token is not None:
                call_deadline.reset(token)


class _Client(redis.Redis):
    def __init__(self, owner: _Stable, pool: StablePool):
        super().__init__(connection_pool=pool)
        self._owner = owner

    def execute_command(self, *args: Any, **options: Any) -> Any:
        run = super().execute_command
        return self._owner._call(lambda: run(*args, **options))

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> "redis.client.Pipeline":
        return _Pipeline(self._owner, self.connection_pool, self.response_callbacks, transaction, shard_hint)


class _Pipeline(redis.client.Pipeline):
    """A pipeline runs on one connection, so its replies come from one node; it is retried as a whole."""

    def __init__(self, owner: _Stable, *args: Any):
        super().__init__(*args)
        self._owner = owner

    def execute(self, raise_on_error: bool = True) -> List[Any]:
        # reset() after a failed attempt clears these too: a retry restores MULTI and the scripts to load.
        stack, explicit, scripts = list(self.command_stack), self.explicit_transaction, set(self.scripts)
        watching = self.watching

        def attempt() -> List[Any]:
            self.command_stack, self.explicit_transaction, self.scripts = list(stack), explicit, set(scripts)
            return super(_Pipeline, self).execute(raise_on_error)
        return self._owner._call(attempt, retry=not watching)


class StableReader(_Stable):
    """Reads through the replica names: each pooled connection stays on a replica in sync, goes back to its home
    name when it can, and reads from the primary only while no replica is reachable.

    `names`: the stable replica names (CNAMEs). See the package README for every option.
    """

    _want = REPLICA


class StableWriter(_Stable):
    """Writes through primary.<zone>: each connection confirms ROLE master; READONLY, LOADING and connection errors
    are retried within the budget (so a retried write may apply twice)."""

    _want = PRIMARY

    def __init__(self, name: str, **options: Any):
        super().__init__(writer_names(name), **options)
