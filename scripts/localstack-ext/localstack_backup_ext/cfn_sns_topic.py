"""AWS::SNS::Topic update: keep the topic (and its ARN) when no TopicName is given; apply KmsMasterKeyId.

Why: LocalStack 4.14's update compares the template's TopicName with the previous one; a template that
lets CloudFormation name the topic has none, so *every* update (a changed DisplayName or tag) creates a
new topic, deletes the old one and its subscriptions' confirmations, and changes the ARN that alarms and
policies point to. On AWS the generated name is kept and only a changed TopicName replaces the topic.
Its in-place update also applies only DisplayName and tags, so a changed KmsMasterKeyId was ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest

Props = dict[str, Any]


def _topic_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    if not desired.get("TopicName") and previous.get("TopicName"):
        desired["TopicName"] = previous["TopicName"]
    event = fn(self, request)
    key_id = desired.get("KmsMasterKeyId") or ""
    if event.status == OperationStatus.SUCCESS and key_id != (previous.get("KmsMasterKeyId") or ""):
        request.aws_client_factory.sns.set_topic_attributes(
            TopicArn=event.resource_model["TopicArn"], AttributeName="KmsMasterKeyId", AttributeValue=key_id
        )
    return event


PATCHES = LazyPatches(
    "cfn_sns_topic", [("localstack.services.sns.resource_providers.aws_sns_topic:SNSTopicProvider", "update", _topic_update)]
)
