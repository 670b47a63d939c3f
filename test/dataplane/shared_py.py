"""The Python shared-reader runner (shared-config.ts): one reader object shared by `loops` threads (sync) or
tasks (asyncio), each reading its own key, GET and ROLE on one connection (a pipeline holds one). Runs the
packaged client (redis_stable_readers, from the wheel the lab puts on PYTHONPATH) or the README's old code.
Started with Debian's /usr/bin/python3 (redis-py 4.3) and the lab's resolv.conf. Prints shared events."""
import asyncio
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = json.loads(os.environ["LAB_CLIENT_CONFIG"])
PASSWORD = os.environ["AUTH_TOKEN"]
_lock = threading.Lock()
_batch = []
_reported = {"error": 0, "wrong": 0}


def emit(event):
    line = json.dumps(event, separators=(",", ":"))
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def flush():
    global _batch
    with _lock:
        batch, _batch = _batch, []
    if batch:
        emit({"e": "reads", "r": batch})


def record(loop, started, value, role, error=None):
    t = int(time.time() * 1000)
    ms = round((time.monotonic() - started) * 1000, 2)
    if error is not None:
        outcome = "x"
        if _reported["error"] < 20:
            _reported["error"] += 1
            emit({"e": "error", "t": t, "loop": loop, "error": repr(error)})
    elif value != expected(loop):
        outcome = "w"
        if _reported["wrong"] < 20:
            _reported["wrong"] += 1
            emit({"e": "wrong", "t": t, "loop": loop, "got": repr(value)})
    else:
        outcome = "m" if role == b"master" else "s"
    with _lock:
        _batch.append([t, loop, ms, outcome])


def expected(loop):
    return f"{loop}:{CONFIG['nonce']}".encode()


def key(loop):
    return f"{CONFIG['keyPrefix']}{loop}"


def counters(reader):
    """What the client says it did (cumulative), whatever shape its stats take."""
    stats = getattr(reader, "stats", None)
    if callable(stats):
        stats = stats()
    if stats is None:
        return {}
    if not isinstance(stats, dict):
        stats = {name: getattr(stats, name) for name in dir(stats) if not name.startswith("_")}
    return {str(k): v for k, v in stats.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def reporter(reader):
    while True:
        time.sleep(0.1)
        flush()
        emit({"e": "stats", "t": int(time.time() * 1000), "counters": counters(reader)})


def budget_of(reader, default):
    # The lab passes no timeout: the default budget is what applications get. The package keeps it in its options.
    value = getattr(getattr(reader, "_options", None), "timeout", None)
    return int(value * 1000) if isinstance(value, (int, float)) else default


def thread_loop(loop, read):
    time.sleep(CONFIG["readIntervalMs"] / 1000 * loop / CONFIG["loops"])
    while True:
        started = time.monotonic()
        try:
            value, role = read(key(loop))
            record(loop, started, value, role)
        except Exception as error:  # what the application would see
            record(loop, started, None, None, error)
        time.sleep(CONFIG["readIntervalMs"] / 1000)


def run_threads(reader, read):
    emit({"e": "budget", "ms": budget_of(reader, 15000)})
    for loop in range(CONFIG["loops"]):
        threading.Thread(target=thread_loop, args=(loop, read), daemon=True).start()
    threading.Thread(target=reporter, args=(reader,), daemon=True).start()
    # The lab stops a runner by closing its stdin; it also dies with the lab that way.
    sys.stdin.read()
    flush()


def package_threads():
    from redis_stable_readers import StableReader

    reader = StableReader(list(CONFIG["names"]), password=PASSWORD)

    def read(k):
        pipe = reader.client().pipeline(transaction=False)
        pipe.get(k)
        pipe.execute_command("ROLE")
        value, role = pipe.execute()
        return value, role[0]

    run_threads(reader, read)


def readme_threads():
    sys.path.insert(0, HERE)
    import readme_redis_py

    reader = readme_redis_py.StableReader(CONFIG["names"][0], CONFIG["names"], PASSWORD)
    opened = {"connections": 0}
    connect = readme_redis_py.connect

    def counted_connect(name, password):
        opened["connections"] += 1
        return connect(name, password)

    readme_redis_py.connect = counted_connect
    reader.stats = lambda: dict(opened)

    def read(k):
        def both(client):
            value = client.get(k)
            return value, client.execute_command("ROLE")[0]
        return reader.read(both)

    emit({"e": "budget", "ms": int(readme_redis_py.RETRY_SECONDS * 1000)})
    for loop in range(CONFIG["loops"]):
        threading.Thread(target=thread_loop, args=(loop, read), daemon=True).start()
    threading.Thread(target=reporter, args=(reader,), daemon=True).start()
    sys.stdin.read()
    flush()


async def package_asyncio():
    from redis_stable_readers.asyncio import StableReader

    reader = StableReader(list(CONFIG["names"]), password=PASSWORD)
    emit({"e": "budget", "ms": budget_of(reader, 15000)})

    async def task_loop(loop):
        await asyncio.sleep(CONFIG["readIntervalMs"] / 1000 * loop / CONFIG["loops"])
        while True:
            started = time.monotonic()
            try:
                client = reader.client()
                if asyncio.iscoroutine(client):
                    client = await client
                pipe = client.pipeline(transaction=False)
                pipe.get(key(loop))
                pipe.execute_command("ROLE")
                value, role = await pipe.execute()
                record(loop, started, value, role[0])
            except Exception as error:  # what the application would see
                record(loop, started, None, None, error)
            await asyncio.sleep(CONFIG["readIntervalMs"] / 1000)

    threading.Thread(target=reporter, args=(reader,), daemon=True).start()
    stdin_closed = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    tasks = [asyncio.create_task(task_loop(loop)) for loop in range(CONFIG["loops"])]
    await stdin_closed
    flush()
    os._exit(0)  # the tasks never end on their own
    await asyncio.gather(*tasks)


def main():
    kind = CONFIG["kind"]
    if kind == "python-threads":
        package_threads()
    elif kind == "python-asyncio":
        asyncio.run(package_asyncio())
    elif kind == "python-readme":
        readme_threads()
    else:
        raise SystemExit(f"shared_py.py: no client kind {kind}")
    os._exit(0)


if __name__ == "__main__":
    main()
