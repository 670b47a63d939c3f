import json
import pathlib
import re

from aws_cdk import App, Stack, aws_ec2 as ec2
from aws_cdk.assertions import Template
from cdk_redis_stable_readers import ReplicatedRedisWithStableReaders

# Asset hashes (the bundled updater's code) change with every release of this library or of aws-cdk-lib.
ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def sessions_template():
    stack = Stack(App(), "Sessions")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    ReplicatedRedisWithStableReaders(stack, "Cache", vpc=vpc)
    return Template.from_stack(stack)


def test_a_multi_az_group_with_two_replicas():
    sessions_template().has_resource_properties("AWS::ElastiCache::ReplicationGroup", {
        "NumCacheClusters": 3,
        "MultiAZEnabled": True,
        "AutomaticFailoverEnabled": True,
    })


def test_the_template_is_unchanged():
    template = ASSET_HASH.sub("[ASSET_HASH]", json.dumps(sessions_template().to_json(), indent=1, sort_keys=True))
    snapshot = pathlib.Path(__file__).with_name("sessions.template.json")
    if not snapshot.exists():
        snapshot.write_text(template)  # the first run records it; commit the file
    assert template == snapshot.read_text()
