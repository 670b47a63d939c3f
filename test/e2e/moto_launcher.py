"""Start a local moto server with the ElastiCache calls our end-to-end tests need.

Usage::

    python3 test/e2e/moto_launcher.py --port 0 [--failover-delay-seconds 0]

The server listens on 127.0.0.1 only. ``--port 0`` lets the OS pick a free port.
When it is ready, the launcher prints exactly one line to stdout::

    MOTO_READY http://127.0.0.1:<port>

and then serves until SIGTERM, SIGINT or EOF on stdin (stdin is only watched
when it is a pipe, socket or terminal, so a parent that passes /dev/null does
not stop the server at once). Everything else, including a log line per
request, goes to stderr: a parent that pipes stderr must keep reading it.

moto 5.2.1 is extended (backend and response class) with:

* ``TestFailover``: promotes the available replica with the lowest cache
  cluster id of a cluster-mode-disabled group and demotes the old primary.
  Like AWS, the call returns the group with its roles unchanged and the swap
  happens ``--failover-delay-seconds`` later (0 = before the response).
  The primary endpoint keeps its ``master.`` address.
* ``ModifyReplicationGroup``: honours ``PrimaryClusterId`` (immediate role
  swap) and ``NotificationTopicArn``; other parameters are ignored.
* ``IncreaseReplicaCount`` / ``DecreaseReplicaCount``: add ``<group>-00K``
  replicas (lowest free K), or remove ``ReplicasToRemove`` (else the highest
  ids first); the primary is never removed, at most 5 replicas.

All changes except a delayed failover apply at once (``ApplyImmediately`` is
ignored) and group and node statuses stay ``available``. Only
cluster-mode-disabled groups are supported by these additions.
* ``DescribeCacheClusters`` also describes replication group members (moto
  only knows clusters made with CreateCacheCluster), with ``CacheNodes`` when
  ``ShowCacheNodeInfo`` is set and the group's notification topic.
* ``NodeGroups[].ReaderEndpoint`` is rendered (moto keeps but never returns it).
* Route 53 ``ChangeResourceRecordSets`` checks a ``CREATE`` the way Route 53
  does: it fails (``InvalidChangeBatch``) only if the name and type exist once
  the batch's earlier changes are applied, so ``DELETE`` then ``CREATE`` of one
  name in one batch (Route 53's atomic replace, and how the updater re-points a
  name) works. moto 5.2.1 instead looks up an identical earlier ``CREATE`` in
  the zone's journal and the records as they were *before* the batch, so it
  rejects that replace whenever a name returns to a value it had before (a
  fail-back), and it accepts a ``CREATE`` over a name holding another value.

Test-only action (not in any SDK), to change what ``DescribeCacheClusters``
reports as ``CacheClusterStatus`` for a member (default ``available``) or a
moto cache cluster. Non-``available`` replicas are skipped by TestFailover::

    POST http://127.0.0.1:<port>/elasticache_us-east-1/
    Content-Type: application/x-www-form-urlencoded

    Action=SetCacheClusterStatusForTest&CacheClusterId=my-rg-002&Status=rebooting

A second test-only action makes the group reads that follow the next Route 53
change batch fail with ``Throttling``, ``Count`` times (the error ElastiCache
answers a caller over its request rate; the SDK retries it, so ``Count`` at
least the client's attempts makes the call fail)::

    Action=ThrottleGroupReadsAfterNextChangeForTest&Count=5

The ``/elasticache_<region>/`` path is how moto routes an unsigned request to
a service and region. A request to ``/`` with a SigV4 ``Authorization`` header
naming the ``elasticache`` service works too (moto does not check signatures).
The answer is ``<SetCacheClusterStatusForTestResponse>`` XML; an unknown id
gives moto's usual ``CacheClusterNotFound`` error (HTTP 404).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import stat
import sys
import threading
from typing import Any
from xml.sax.saxutils import escape

from moto.core.responses import ActionResult, PaginatedResult
from moto.elasticache import urls as elasticache_urls
from moto.elasticache.exceptions import (
    CacheClusterNotFound,
    ElastiCacheException,
    InvalidParameterValueException,
    ReplicationGroupNotFound,
)
from moto.elasticache.models import (
    ElastiCacheBackend,
    ReplicationGroup,
    elasticache_backends,
)
from moto.elasticache.responses import ElastiCacheResponse
from moto.route53.exceptions import ResourceRecordAlreadyExists
from moto.route53.models import ChangeList, Route53Backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

TEST_STATUS_ACTION = "SetCacheClusterStatusForTest"
TEST_THROTTLE_ACTION = "ThrottleGroupReadsAfterNextChangeForTest"
XML_NAMESPACE = "http://elasticache.amazonaws.com/doc/2015-02-02/"
MAX_REPLICAS = 5  # AWS limit per node group

Member = dict[str, Any]  # moto keeps node group members as snake_case dicts

# Requests are served on several threads and delayed failovers run on timers;
# one lock keeps writers from interleaving.
_lock = threading.RLock()
_failover_delay_seconds = 0.0
_timers: list[threading.Timer] = []


class NodeGroupNotFound(ElastiCacheException):
    code = "NodeGroupNotFoundFault"


class Throttling(ElastiCacheException):
    code = "Throttling"


# Group reads to fail once the next change batch lands (armed), and still to fail (due).
_throttles = {"armed": 0, "due": 0}


# --- helpers on moto's data --------------------------------------------------


def _group(backend: ElastiCacheBackend, group_id: str) -> ReplicationGroup:
    group = backend.replication_groups.get(group_id)
    if group is None:
        raise ReplicationGroupNotFound(group_id)
    return group


def _node_group(group: ReplicationGroup, node_group_id: str | None = None) -> dict[str, Any]:
    # Only moto's cluster-mode-disabled members carry roles and endpoints.
    if group.cluster_mode == "enabled":
        raise InvalidParameterValueException(
            "This test server supports only cluster-mode-disabled replication groups."
        )
    node_group = group.node_groups[0]
    if node_group_id is not None and node_group_id != node_group["node_group_id"]:
        raise NodeGroupNotFound(f"NodeGroup {node_group_id} not found.")
    return node_group


def _status(member: Member) -> str:
    return member.get("cache_cluster_status", "available")


def _replica_ids(members: list[Member]) -> list[str]:
    return sorted(m["cache_cluster_id"] for m in members if m.get("current_role") == "replica")


def _publish(group: ReplicationGroup, node_group: dict[str, Any], members: list[Member]) -> None:
    """Install a new member list in one assignment.

    Responses are serialised after our handlers return, possibly while a timer
    changes roles; swapping whole lists (never editing them in place) means a
    reader sees either the old or the new membership, never a half of each.
    """
    members = sorted(members, key=lambda m: m["cache_cluster_id"])
    node_group["node_group_members"] = members
    group.member_clusters = [m["cache_cluster_id"] for m in members]
    # In AWS the primary endpoint follows failover: same master.* address.
    node_group["primary_endpoint"] = {
        "address": node_group["primary_endpoint_address"],
        "port": group.port,
    }


def _promote(group: ReplicationGroup, new_primary_id: str) -> None:
    node_group = _node_group(group)
    members = node_group["node_group_members"]
    if new_primary_id not in {m["cache_cluster_id"] for m in members}:
        return  # removed while a delayed failover was pending
    role = {m["cache_cluster_id"]: "replica" for m in members} | {new_primary_id: "primary"}
    _publish(
        group, node_group, [{**m, "current_role": role[m["cache_cluster_id"]]} for m in members]
    )


def _promote_later(group: ReplicationGroup, new_primary_id: str) -> None:
    with _lock:
        _promote(group, new_primary_id)


def _new_replica(group: ReplicationGroup, node_group: dict[str, Any], cluster_id: str) -> Member:
    # Same address form as moto's own members: <cluster id>.<group domain>.
    domain = node_group["primary_endpoint_address"].removeprefix("master.")
    return {
        "cache_cluster_id": cluster_id,
        "cache_node_id": node_group["node_group_id"],
        "read_endpoint": {"address": f"{cluster_id}.{domain}", "port": group.port},
        "preferred_availability_zone": "us-east-1b",  # moto's replica default
        "current_role": "replica",
    }


class _MemberCacheCluster:
    """What DescribeCacheClusters shows for a replication group member."""

    def __init__(
        self, backend: ElastiCacheBackend, group: ReplicationGroup, member: Member, show_nodes: bool
    ) -> None:
        self.cache_cluster_id = member["cache_cluster_id"]
        self.replication_group_id = group.replication_group_id
        self.cache_cluster_status = _status(member)
        self.cache_node_type = group.cache_node_type
        self.engine = group.engine
        self.engine_version = group.engine_version
        self.num_cache_nodes = 1
        self.preferred_availability_zone = member.get("preferred_availability_zone")
        self.cache_cluster_create_time = group.replication_group_create_time
        self.cache_subnet_group_name = group.cache_subnet_group_name
        self.auth_token_enabled = group.auth_token_enabled
        self.transit_encryption_enabled = group.transit_encryption_enabled
        self.at_rest_encryption_enabled = group.at_rest_encryption_enabled
        self.network_type = group.network_type
        self.ip_discovery = group.ip_discovery
        self.arn = (
            f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}"
            f":cluster:{self.cache_cluster_id}"
        )
        if group.notification_topic_arn:
            self.notification_configuration = {
                "topic_arn": group.notification_topic_arn,
                "topic_status": "active",
            }
        if show_nodes:
            self.cache_nodes = [
                {
                    "cache_node_id": "0001",
                    "cache_node_status": self.cache_cluster_status,
                    "cache_node_create_time": self.cache_cluster_create_time,
                    "endpoint": member.get("read_endpoint"),
                    "parameter_group_status": "in-sync",
                    "customer_availability_zone": self.preferred_availability_zone,
                }
            ]


def _group_members(backend: ElastiCacheBackend) -> list[tuple[ReplicationGroup, Member]]:
    return [
        (group, member)
        for group in backend.replication_groups.values()
        for node_group in group.node_groups
        for member in node_group["node_group_members"]
    ]


# --- backend additions (patched onto ElastiCacheBackend) ----------------------


def _backend_test_failover(
    self: ElastiCacheBackend, replication_group_id: str, node_group_id: str
) -> ReplicationGroup:
    with _lock:
        group = _group(self, replication_group_id)
        members = _node_group(group, node_group_id)["node_group_members"]
        candidates = [
            m["cache_cluster_id"]
            for m in members
            if m.get("current_role") == "replica" and _status(m) == "available"
        ]
        if not candidates:
            raise InvalidParameterValueException(
                f"Replication group {replication_group_id} has no available replica."
            )
        new_primary_id = min(candidates)
        if _failover_delay_seconds <= 0:
            _promote(group, new_primary_id)
        else:
            timer = threading.Timer(
                _failover_delay_seconds, _promote_later, (group, new_primary_id)
            )
            timer.daemon = True
            _timers.append(timer)
            timer.start()
        return group


def _backend_modify_replication_group(
    self: ElastiCacheBackend,
    replication_group_id: str,
    primary_cluster_id: str | None,
    notification_topic_arn: str | None,
) -> ReplicationGroup:
    with _lock:
        group = _group(self, replication_group_id)
        if primary_cluster_id:
            if primary_cluster_id not in group.member_clusters:
                raise InvalidParameterValueException(
                    f"Cache cluster {primary_cluster_id} is not a member of {replication_group_id}."
                )
            _promote(group, primary_cluster_id)
        if notification_topic_arn is not None:
            group.notification_topic_arn = notification_topic_arn
        return group


def _backend_increase_replica_count(
    self: ElastiCacheBackend, replication_group_id: str, new_replica_count: int | None
) -> ReplicationGroup:
    with _lock:
        group = _group(self, replication_group_id)
        node_group = _node_group(group)
        members = list(node_group["node_group_members"])
        current = len(_replica_ids(members))
        if new_replica_count is None or not current < new_replica_count <= MAX_REPLICAS:
            raise InvalidParameterValueException(
                f"NewReplicaCount must be between {current + 1} and {MAX_REPLICAS}."
            )
        used = {m["cache_cluster_id"] for m in members}
        number = 1
        for _ in range(new_replica_count - current):
            # Reuse the lowest free number so ids stay -001, -002, ...
            while f"{replication_group_id}-{number:03d}" in used:
                number += 1
            cluster_id = f"{replication_group_id}-{number:03d}"
            used.add(cluster_id)
            members.append(_new_replica(group, node_group, cluster_id))
        _publish(group, node_group, members)
        return group


def _backend_decrease_replica_count(
    self: ElastiCacheBackend,
    replication_group_id: str,
    new_replica_count: int | None,
    replicas_to_remove: list[str],
) -> ReplicationGroup:
    with _lock:
        group = _group(self, replication_group_id)
        node_group = _node_group(group)
        members = node_group["node_group_members"]
        replicas = _replica_ids(members)
        if replicas_to_remove:
            not_replicas = sorted(set(replicas_to_remove) - set(replicas))
            if not_replicas:
                raise InvalidParameterValueException(
                    f"Not replicas of {replication_group_id}: {', '.join(not_replicas)}."
                )
            remove = set(replicas_to_remove)
        else:
            if new_replica_count is None or not 0 <= new_replica_count < len(replicas):
                raise InvalidParameterValueException(
                    f"NewReplicaCount must be between 0 and {len(replicas) - 1}."
                )
            remove = set(replicas[new_replica_count:])  # highest ids go first
        _publish(group, node_group, [m for m in members if m["cache_cluster_id"] not in remove])
        return group


_moto_describe_cache_clusters = ElastiCacheBackend.describe_cache_clusters


def _find_member(backend: ElastiCacheBackend, cache_cluster_id: str) -> tuple[ReplicationGroup, Member] | None:
    # Members are named <group id>-NNN: look in that group first, so a fleet of a thousand groups
    # (the benchmark) does not scan every group on every call; fall back to a scan for other names.
    owner = backend.replication_groups.get(cache_cluster_id.rsplit("-", 1)[0])
    candidates = [owner] if owner is not None else list(backend.replication_groups.values())
    for group in candidates:
        for node_group in group.node_groups:
            for member in node_group["node_group_members"]:
                if member["cache_cluster_id"] == cache_cluster_id:
                    return group, member
    if owner is not None:
        return next(((g, m) for g, m in _group_members(backend) if m["cache_cluster_id"] == cache_cluster_id), None)
    return None


def _backend_describe_cache_clusters(
    self: ElastiCacheBackend,
    cache_cluster_id: str | None = None,
    show_cache_node_info: bool = False,
    show_not_in_groups_only: bool = False,
) -> list[Any]:
    if cache_cluster_id:
        found = _find_member(self, cache_cluster_id)
        if found is not None:
            return [_MemberCacheCluster(self, found[0], found[1], show_cache_node_info)]
        return _moto_describe_cache_clusters(self, cache_cluster_id)
    members = {m["cache_cluster_id"]: (g, m) for g, m in _group_members(self)}
    clusters: list[Any] = _moto_describe_cache_clusters(self)
    if not show_not_in_groups_only:
        clusters += [
            _MemberCacheCluster(self, g, m, show_cache_node_info) for g, m in members.values()
        ]
    return clusters


def _backend_set_cache_cluster_status_for_test(
    self: ElastiCacheBackend, cache_cluster_id: str, status: str
) -> None:
    with _lock:
        for group in self.replication_groups.values():
            for node_group in group.node_groups:
                members = node_group["node_group_members"]
                if any(m["cache_cluster_id"] == cache_cluster_id for m in members):
                    # Copy, don't edit in place: see _publish.
                    node_group["node_group_members"] = [
                        {**m, "cache_cluster_status": status}
                        if m["cache_cluster_id"] == cache_cluster_id
                        else m
                        for m in members
                    ]
                    return
        if cache_cluster_id in self.cache_clusters:
            self.cache_clusters[cache_cluster_id].cache_cluster_status = status
            return
        raise CacheClusterNotFound(cache_cluster_id)


# --- response additions (patched onto ElastiCacheResponse) --------------------


def _response_test_failover(self: ElastiCacheResponse) -> ActionResult:
    group = self.elasticache_backend.test_failover(
        self._get_param("ReplicationGroupId"), self._get_param("NodeGroupId")
    )
    return ActionResult({"ReplicationGroup": group})


def _response_modify_replication_group(self: ElastiCacheResponse) -> ActionResult:
    group = self.elasticache_backend.modify_replication_group(
        self._get_param("ReplicationGroupId"),
        primary_cluster_id=self._get_param("PrimaryClusterId"),
        notification_topic_arn=self._get_param("NotificationTopicArn"),
    )
    return ActionResult({"ReplicationGroup": group})


def _response_increase_replica_count(self: ElastiCacheResponse) -> ActionResult:
    group = self.elasticache_backend.increase_replica_count(
        self._get_param("ReplicationGroupId"), self._get_int_param("NewReplicaCount")
    )
    return ActionResult({"ReplicationGroup": group})


def _response_decrease_replica_count(self: ElastiCacheResponse) -> ActionResult:
    group = self.elasticache_backend.decrease_replica_count(
        self._get_param("ReplicationGroupId"),
        new_replica_count=self._get_int_param("NewReplicaCount"),
        replicas_to_remove=self._get_param("ReplicasToRemove", []),
    )
    return ActionResult({"ReplicationGroup": group})


def _response_describe_cache_clusters(self: ElastiCacheResponse) -> ActionResult:
    clusters = self.elasticache_backend.describe_cache_clusters(
        cache_cluster_id=self._get_param("CacheClusterId"),
        show_cache_node_info=self._get_bool_param("ShowCacheNodeInfo", False),
        show_not_in_groups_only=self._get_bool_param(
            "ShowCacheClustersNotInReplicationGroups", False
        ),
    )
    return PaginatedResult({"CacheClusters": clusters})


def _response_set_cache_cluster_status_for_test(self: ElastiCacheResponse) -> str:
    cluster_id = self._get_param("CacheClusterId")
    status = self._get_param("Status")
    if not cluster_id or not status:
        raise InvalidParameterValueException("CacheClusterId and Status are required.")
    # An unsigned request to /elasticache_<region>/ names its region only in the path.
    match = re.match(r"^/elasticache_([a-z0-9-]+)/?$", self.path)
    region = match.group(1) if match else self.region
    backend = elasticache_backends[self.current_account][region]
    backend.set_cache_cluster_status_for_test(cluster_id, status)
    return (
        f'<{TEST_STATUS_ACTION}Response xmlns="{XML_NAMESPACE}">'
        f"<{TEST_STATUS_ACTION}Result><CacheClusterId>{escape(cluster_id)}</CacheClusterId>"
        f"<CacheClusterStatus>{escape(status)}</CacheClusterStatus></{TEST_STATUS_ACTION}Result>"
        # moto's response hook replaces the RequestId with a generated one.
        f"<ResponseMetadata><RequestId>0</RequestId></ResponseMetadata>"
        f"</{TEST_STATUS_ACTION}Response>"
    )


def _response_throttle_group_reads_after_next_change_for_test(self: ElastiCacheResponse) -> str:
    with _lock:
        _throttles["armed"] = int(self._get_param("Count") or "0")
    return (
        f'<{TEST_THROTTLE_ACTION}Response xmlns="{XML_NAMESPACE}">'
        f"<ResponseMetadata><RequestId>0</RequestId></ResponseMetadata>"
        f"</{TEST_THROTTLE_ACTION}Response>"
    )


_moto_describe_replication_groups = ElastiCacheResponse.describe_replication_groups


def _response_describe_replication_groups(self: ElastiCacheResponse) -> Any:
    with _lock:
        if _throttles["due"] > 0:
            _throttles["due"] -= 1
            raise Throttling("Rate exceeded")
    return _moto_describe_replication_groups(self)


_moto_parse_parameters = ElastiCacheResponse.parse_parameters


def _parse_parameters(self: ElastiCacheResponse, request: Any) -> None:
    if self._get_action() in (TEST_STATUS_ACTION, TEST_THROTTLE_ACTION):
        # botocore's model does not know this action, so moto's parser would fail.
        self.params = {key: values[0] for key, values in self.querystring.items()}
        return
    _moto_parse_parameters(self, request)


_moto_group_init = ReplicationGroup.__init__


def _group_init(self: ReplicationGroup, *args: Any, **kwargs: Any) -> None:
    _moto_group_init(self, *args, **kwargs)
    for node_group in self.node_groups:
        if "reader_endpoint_address" in node_group:
            node_group["reader_endpoint"] = {
                "address": node_group["reader_endpoint_address"],
                "port": self.port,
            }


# --- Route 53 -----------------------------------------------------------------


_moto_change_resource_record_sets = Route53Backend.change_resource_record_sets


def _record_key(name: str, record_type: str) -> tuple[str, str]:
    # Route 53 names are case-insensitive and the trailing dot is optional.
    return (name.lower().rstrip(".") + ".", record_type)


def _route53_change_resource_record_sets(
    self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]
) -> None:
    zone = self.get_hosted_zone(zoneid)
    existing = {_record_key(record.name, record.type) for record in zone.rrsets}
    for change in change_list:
        record_set = change["ResourceRecordSet"]
        key = _record_key(record_set["Name"], record_set["Type"])
        if change["Action"] == "CREATE":
            if key in existing:
                raise ResourceRecordAlreadyExists(name=key[0], _type=key[1])
            existing.add(key)
        elif change["Action"] == "DELETE":
            existing.discard(key)
        else:
            existing.add(key)
    # Checked above; moto's own journal check (its only use of `in rr_changes`) is turned off in install_patches.
    _moto_change_resource_record_sets(self, zoneid, change_list)
    with _lock:
        _throttles["due"], _throttles["armed"] = _throttles["due"] + _throttles["armed"], 0


def _no_journal_match(self: ChangeList, item: Any) -> bool:
    return False


def install_patches(failover_delay_seconds: float) -> None:
    global _failover_delay_seconds
    _failover_delay_seconds = failover_delay_seconds

    ReplicationGroup.__init__ = _group_init  # type: ignore[method-assign]
    backend_methods = {
        "test_failover": _backend_test_failover,
        "modify_replication_group": _backend_modify_replication_group,
        "increase_replica_count": _backend_increase_replica_count,
        "decrease_replica_count": _backend_decrease_replica_count,
        "describe_cache_clusters": _backend_describe_cache_clusters,
        "set_cache_cluster_status_for_test": _backend_set_cache_cluster_status_for_test,
    }
    for name, function in backend_methods.items():
        setattr(ElastiCacheBackend, name, function)

    Route53Backend.change_resource_record_sets = _route53_change_resource_record_sets  # type: ignore[method-assign]
    ChangeList.__contains__ = _no_journal_match  # type: ignore[method-assign]

    # moto dispatches Action=FooBar to the response method foo_bar.
    response_methods = {
        "test_failover": _response_test_failover,
        "modify_replication_group": _response_modify_replication_group,
        "increase_replica_count": _response_increase_replica_count,
        "decrease_replica_count": _response_decrease_replica_count,
        "describe_cache_clusters": _response_describe_cache_clusters,
        "set_cache_cluster_status_for_test": _response_set_cache_cluster_status_for_test,
        "throttle_group_reads_after_next_change_for_test": _response_throttle_group_reads_after_next_change_for_test,
        "describe_replication_groups": _response_describe_replication_groups,
        "parse_parameters": _parse_parameters,
    }
    for name, function in response_methods.items():
        setattr(ElastiCacheResponse, name, function)

    # Lets an unsigned POST reach ElastiCache: moto maps /<service>_<region>/ to
    # that service, but the ElastiCache app only routes "/" unless told more.
    unsigned_path = "{0}/elasticache_(?P<region>[a-z0-9-]+)/$"
    elasticache_urls.url_paths[unsigned_path] = ElastiCacheResponse.dispatch


# --- process ------------------------------------------------------------------


def _check_port_free(port: int) -> None:
    # ThreadedMotoServer.start() waits forever if binding fails in its thread.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))


def _stdin_is_lifeline() -> bool:
    # A pipe from the parent closes when the parent dies; /dev/null or a file
    # would hit EOF at once and stop the server before any test runs.
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(sys.stdin.fileno())


def _wait_for_eof(stop: threading.Event) -> None:
    # os.read, not sys.stdin: a daemon thread blocked inside the buffered reader
    # holds its lock and makes interpreter shutdown abort.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 picks a free one")
    parser.add_argument(
        "--failover-delay-seconds",
        type=float,
        default=0.0,
        help="delay before TestFailover swaps roles (0 = before the response)",
    )
    args = parser.parse_args(argv)
    if args.port < 0 or args.failover_delay_seconds < 0:
        parser.error("--port and --failover-delay-seconds must not be negative")

    # The parent reads stdout for the ready line; keep moto's prints off it.
    ready_out = sys.stdout
    sys.stdout = sys.stderr

    install_patches(args.failover_delay_seconds)
    if args.port:
        _check_port_free(args.port)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if _stdin_is_lifeline():
        threading.Thread(target=_wait_for_eof, args=(stop,), daemon=True).start()

    print(f"MOTO_READY http://127.0.0.1:{port}", file=ready_out, flush=True)
    # A timed wait keeps the main thread responsive to signal handlers.
    while not stop.wait(timeout=0.5):
        pass

    for timer in _timers:
        timer.cancel()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
