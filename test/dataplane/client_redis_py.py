"""The redis-py TLS check: connecting through a stable name with hostname checking on must fail (the certificate
names the nodes), and through the name's CNAME target, as the README's old code (readme_redis_py.py) and the client
package do, must pass. Prints one JSON line per attempt. Run with Debian's /usr/bin/python3 and the lab's resolv.conf."""
import json
import os
import sys

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readme_redis_py  # noqa: E402

NAME = json.loads(os.environ["LAB_CLIENT_CONFIG"])["name"]
PASSWORD = os.environ["AUTH_TOKEN"]


def emit(**event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def main():
    try:
        redis.Redis(host=NAME, port=6379, password=PASSWORD, ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True,
                    socket_connect_timeout=2).ping()
        emit(e="tls", via="stable-name", ok=True)
    except Exception as error:
        emit(e="tls", via="stable-name", ok=False, error=repr(error))
    try:
        readme_redis_py.connect(NAME, PASSWORD).ping()
        emit(e="tls", via="target", ok=True)
    except Exception as error:
        emit(e="tls", via="target", ok=False, error=repr(error))


if __name__ == "__main__":
    main()
