"""The redis-py client runner: runs the README's code (readme_redis_py.py) or the old README code
(legacy_redis_py.py) as an application would, and prints one JSON line per read and write.
Started with Debian's /usr/bin/python3 (redis-py 4.3) under `unshare`, so the system resolver reaches the lab DNS."""
import json
import os
import sys
import threading
import time

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import readme_redis_py  # noqa: E402

CONFIG = json.loads(os.environ["LAB_CLIENT_CONFIG"])
PASSWORD = os.environ["AUTH_TOKEN"]
_print_lock = threading.Lock()


def emit(**event):
    line = json.dumps(event)
    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def now_ms():
    return int(time.time() * 1000)


def read_with_role(client):
    # GET and ROLE on one connection, so the role is that of the node that served the read.
    client.get(CONFIG["readKey"])
    role = client.execute_command("ROLE")[0].decode()
    return role, client.connection.host


def recipe_reader(own):
    reader = readme_redis_py.StableReader(own, CONFIG["names"], PASSWORD)
    while True:
        try:
            role, host = reader.read(read_with_role)
            emit(e="read", t=now_ms(), reader=own, name=reader.name, host=host, role=role)
        except Exception as error:  # the application would see this one
            emit(e="read-error", t=now_ms(), reader=own, error=repr(error))
        time.sleep(CONFIG["readIntervalMs"] / 1000)


def legacy_reader(own):
    # The old snippet builds a module-level `reader` for replica1 and needs `auth_token` defined.
    scope = {"auth_token": PASSWORD}
    with open(os.path.join(HERE, "legacy_redis_py.py")) as source:
        exec(compile(source.read(), "legacy_redis_py.py", "exec"), scope)
    reader = scope["reader"]
    while True:
        try:
            # A pipeline holds one pooled connection for both commands.
            value, role = reader.pipeline(transaction=False).get(CONFIG["readKey"]).execute_command("ROLE").execute()
            emit(e="read", t=now_ms(), reader=own, name=own, role=role[0].decode())
        except Exception as error:
            emit(e="read-error", t=now_ms(), reader=own, error=repr(error))
        time.sleep(CONFIG["readIntervalMs"] / 1000)


def recipe_writer(name):
    writer = readme_redis_py.StableWriter(name, PASSWORD)
    seq = 0
    while True:
        seq += 1
        try:
            writer.write(lambda client: client.set(f"{CONFIG['writePrefix']}{seq}", str(seq)))
            emit(e="write", t=now_ms(), seq=seq)
        except Exception as error:
            emit(e="write-error", t=now_ms(), seq=seq, error=repr(error))
        time.sleep(CONFIG["writeIntervalMs"] / 1000)


def tls_check(name):
    # Through the stable name with hostname checking on: must fail. Through its target (the recipe): must work.
    try:
        redis.Redis(host=name, port=6379, password=PASSWORD, ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True,
                    socket_connect_timeout=2).ping()
        emit(e="tls", via="stable-name", ok=True)
    except Exception as error:
        emit(e="tls", via="stable-name", ok=False, error=repr(error))
    try:
        readme_redis_py.connect(name, PASSWORD).ping()
        emit(e="tls", via="target", ok=True)
    except Exception as error:
        emit(e="tls", via="target", ok=False, error=repr(error))


def main():
    if CONFIG["mode"] == "tls":
        tls_check(CONFIG["readers"][0])
        return
    legacy = CONFIG["code"] == "legacy"
    # The old snippet only ever reads through replica1.
    readers = [n for n in CONFIG["readers"] if not legacy or n.startswith("replica1.")]
    targets = [(legacy_reader if legacy else recipe_reader, n) for n in readers]
    if CONFIG.get("writer") and not legacy:
        targets.append((recipe_writer, CONFIG["writer"]))
    for target, arg in targets:
        threading.Thread(target=target, args=(arg,), daemon=True).start()
    # The lab stops a runner by closing its stdin; it also dies with the lab that way.
    sys.stdin.read()


if __name__ == "__main__":
    main()
