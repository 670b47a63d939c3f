# The README's redis-py code before the data-plane lab (commit eeb3cef), verbatim, kept to show the lab
# catches what it gets wrong. It expects `auth_token` to be defined and reads through replica1.
import socket
import redis

class StableNameSSLConnection(redis.SSLConnection):
    def __init__(self, *, stable_name, **kwargs):
        self.stable_name = stable_name
        super().__init__(host=stable_name, **kwargs)

    def _connect(self):
        # TCP, SNI and hostname verification all use the node the name points at now.
        self.host = socket.gethostbyname_ex(self.stable_name)[0]
        return super()._connect()

pool = redis.ConnectionPool(connection_class=StableNameSSLConnection, stable_name="replica1.example.cache.internal",
                            port=6379, password=auth_token, ssl_cert_reqs="required")
reader = redis.Redis(connection_pool=pool)
