"""Reads through the replica names and writes through primary.<zone>, from any number of threads."""
import os

from redis_stable_readers import StableReader, StableWriter

reader = StableReader(os.environ["REPLICA_HOSTNAMES"].split(","), password=os.environ["AUTH_TOKEN"])
writer = StableWriter(os.environ["PRIMARY_HOSTNAME"], password=os.environ["AUTH_TOKEN"])
replica = reader.client()  # a redis.Redis: share it across threads
primary = writer.client()

if __name__ == "__main__":
    primary.set("greeting", "hello")
    print(replica.get("greeting"))  # None until the write has reached the replica
    reader.close()
    writer.close()
