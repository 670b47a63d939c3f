"""What a load run measured, shared by the threads' and the tasks' loads."""

from __future__ import annotations

import bisect
import logging
import os
import time
from typing import List, Tuple

INTERVAL = 1.0  # the default role_check_interval


class OpenRecorder(logging.Handler):
    """Exact times at which the reader started opening a connection to replace lost ones (its DEBUG record)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.times: List[float] = []
        self.retired: List[float] = []
        self.log: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        message = record.getMessage()
        if message.startswith("opening a connection"):
            self.times.append(now)
        elif message.startswith("retired a connection"):
            self.retired.append(now)
        if os.environ.get("RSR_LOG") and not message.startswith(("retrying", "opening")):
            self.log.append(f"{now:.3f} {message}")

    def __enter__(self) -> "OpenRecorder":
        logger = logging.getLogger("redis_stable_readers")
        self.saved_level = logger.level
        self.saved_propagate = logger.propagate
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger("redis_stable_readers")
        logger.removeHandler(self)
        logger.setLevel(self.saved_level)
        logger.propagate = self.saved_propagate
        if self.log:
            print("\n".join(self.log[-60:]))

    def most_in_an_interval(self, start: float, interval: float = INTERVAL) -> int:
        """The most opens started in any window [t, t + interval) from `start` on: the reader's limit."""
        times = [t for t in self.times if t >= start]
        return max((bisect.bisect_left(times, t + interval) - i for i, t in enumerate(times)), default=0)

    def count(self, start: float) -> int:
        return sum(1 for t in self.times if t >= start)


class Measures:
    def __init__(self) -> None:
        self.errors: List[BaseException] = []
        self.wrong = 0
        self.reads = 0
        self.primary_reads: List[float] = []  # when reads served by a primary started
        self.latencies: List[Tuple[float, float]] = []  # (started, seconds)
        self.opens = OpenRecorder()

    def event_start(self, after: float) -> float:
        """When the reader retired its first connection after `after` (the event as the reader saw it)."""
        return next((t for t in self.opens.retired if t > after), after)

    def p99(self, since: float = 0.0) -> float:
        took = sorted(t for s, t in self.latencies if s >= since)
        return took[int(len(took) * 0.99) - 1] if took else 0.0

    def max_latency(self, since: float = 0.0) -> float:
        return max((t for s, t in self.latencies if s >= since), default=0.0)


