"""The same over redis.asyncio: one reader shared by every task."""
import asyncio
import os

from redis_stable_readers.asyncio import StableReader, StableWriter

reader = StableReader(os.environ["REPLICA_HOSTNAMES"].split(","), password=os.environ["AUTH_TOKEN"])
writer = StableWriter(os.environ["PRIMARY_HOSTNAME"], password=os.environ["AUTH_TOKEN"])
replica = reader.client()  # a redis.asyncio.Redis: share it across tasks
primary = writer.client()


async def main() -> None:
    await primary.set("greeting", "hello")
    print(await replica.get("greeting"))  # None until the write has reached the replica
    await reader.close()
    await writer.close()

if __name__ == "__main__":
    asyncio.run(main())
