from aws_cdk import App, Stack, aws_ec2 as ec2, aws_lambda as lambda_
from cdk_redis_stable_readers import ReplicatedRedisWithStableReaders

app = App()
stack = Stack(app, "Sessions")
vpc = ec2.Vpc(stack, "Vpc", max_azs=3)

cache = ReplicatedRedisWithStableReaders(stack, "Cache", vpc=vpc, replicas=3)

api = lambda_.Function(
    stack,
    "Api",
    runtime=lambda_.Runtime.NODEJS_24_X,
    handler="index.handler",
    code=lambda_.Code.from_inline("exports.handler = async () => ({})"),
    vpc=vpc,
    environment={
        "CACHE_WRITER": cache.primary_hostname,
        "CACHE_READERS": ",".join(cache.replica_hostnames),
        "CACHE_PORT": str(cache.port),
    },
)
api.connections.allow_to_default_port(cache)
if cache.auth_secret:
    cache.auth_secret.grant_read(api)

app.synth()
