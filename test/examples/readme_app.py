from aws_cdk import App, Fn, Stack, aws_cloudwatch_actions as cloudwatch_actions, aws_ec2 as ec2, aws_lambda as lambda_, aws_sns as sns
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
        "CACHE_READERS": Fn.join(",", cache.replica_hostnames),
        "CACHE_PORT": str(cache.port),
        # Where the AUTH token is: the function reads it from Secrets Manager when it starts.
        "CACHE_AUTH_TOKEN_SECRET_ARN": cache.auth_token_secret.secret_arn,
    },
)
cache.connections.allow_default_port_from(api)  # one ingress rule on the cache's security group
cache.grant_read_auth_token(api)

# Tell someone when the replica names may be stale, or the replicas fall behind.
alarms = sns.Topic(stack, "Alarms")
cache.updater_alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarms))
cache.metric_replication_lag().create_alarm(
    stack, "ReplicationLag", threshold=5, evaluation_periods=3
).add_alarm_action(cloudwatch_actions.SnsAction(alarms))

app.synth()
