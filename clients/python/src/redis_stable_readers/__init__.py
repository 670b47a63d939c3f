"""Stable readers for redis-py: reads that stay on replicas through failovers, for one reader shared by threads.

    from redis_stable_readers import StableReader, StableWriter
    from redis_stable_readers.asyncio import StableReader, StableWriter  # over redis.asyncio
"""

from ._core import BudgetExceeded, ConfigurationError, NoNodeError, Stats, StableReadersError
from ._sync import StableReader, StableWriter

__version__ = "0.1.0"

__all__ = ["StableReader", "StableWriter", "Stats", "BudgetExceeded", "ConfigurationError", "NoNodeError",
           "StableReadersError", "__version__"]
