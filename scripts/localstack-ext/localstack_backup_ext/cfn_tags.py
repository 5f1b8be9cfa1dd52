"""Tags that LocalStack 4.14's CloudFormation providers drop.

Why, per type (checked against the 4.14 providers and by specs/integration/localstack-ext/tags.spec.ts):

* AWS::Events::Rule, AWS::CloudWatch::Alarm: create never passes Tags to the service, and update raises
  NotImplementedError, which the engine turns into a silent no-op (a changed schedule, threshold or tag
  reports UPDATE_COMPLETE while the old one stays live). Both creates are upserts (PutRule/PutTargets,
  PutMetricAlarm), so update re-runs create under the previous physical name and then reconciles what an
  upsert cannot remove (stale targets, removed tags).
* AWS::Lambda::Function, AWS::IAM::Role, AWS::KMS::Key: tags are applied on create, but update ignores
  them (Lambda and IAM update other properties; KMS update is not implemented at all).
* AWS::SQS::Queue, AWS::SNS::Topic, AWS::S3::Bucket (see cfn_s3_bucket): handled by 4.14 itself.
"""

from typing import Any

from localstack.services.cloudformation.resource_provider import (
    OperationStatus,
    ProgressEvent,
    ResourceRequest,
)
from localstack.services.cloudwatch.resource_providers.aws_cloudwatch_alarm import (
    CloudWatchAlarmProvider,
)
from localstack.services.events.resource_providers.aws_events_rule import (
    EventsRuleProvider,
    extract_rule_name,
)
from localstack.services.iam.resource_providers.aws_iam_role import IAMRoleProvider
from localstack.services.kms.resource_providers.aws_kms_key import KMSKeyProvider
from localstack.services.lambda_.resource_providers.aws_lambda_function import (
    LambdaFunctionProvider,
)
from localstack.utils.patch import Patch, Patches

Props = dict[str, Any]

# The unpatched creates: update re-runs them as upserts, then reconciles tags against the previous model.
_RULE_UPSERT = EventsRuleProvider.create
_ALARM_UPSERT = CloudWatchAlarmProvider.create


def _tags(props: Props) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in props.get("Tags") or []}


def _sync_tags(client, arn: str, desired: Props, previous: Props | None) -> None:
    """Tag/untag with the service's TagResource API (same shape for events and cloudwatch)."""
    new, old = _tags(desired), _tags(previous or {})
    if removed := [k for k in old if k not in new]:
        client.untag_resource(ResourceARN=arn, TagKeys=removed)
    if new and new != old:
        client.tag_resource(ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in new.items()])


def _removed_and_current(desired: Props, previous: Props | None) -> tuple[list[str], dict[str, str]]:
    new, old = _tags(desired), _tags(previous or {})
    return [k for k in old if k not in new], (new if new != old else {})


def _function_update(fn, self: LambdaFunctionProvider, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    arn = (event.resource_model or {}).get("Arn") or (request.previous_state or {}).get("Arn")
    if event.status == OperationStatus.SUCCESS and arn:
        client = request.aws_client_factory.lambda_
        removed, current = _removed_and_current(request.desired_state, request.previous_state)
        if removed:
            client.untag_resource(Resource=arn, TagKeys=removed)
        if current:
            client.tag_resource(Resource=arn, Tags=current)
    return event


def _role_update(fn, self: IAMRoleProvider, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    role_name = (event.resource_model or {}).get("RoleName")
    if event.status == OperationStatus.SUCCESS and role_name:
        iam = request.aws_client_factory.iam
        removed, current = _removed_and_current(request.desired_state, request.previous_state)
        if removed:
            iam.untag_role(RoleName=role_name, TagKeys=removed)
        if current:
            iam.tag_role(RoleName=role_name, Tags=[{"Key": k, "Value": v} for k, v in current.items()])
        event.resource_model = {**event.resource_model, "Tags": request.desired_state.get("Tags")}
    return event


def _key_update(fn, self: KMSKeyProvider, request: ResourceRequest) -> ProgressEvent:
    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    kms = request.aws_client_factory.kms
    key_id = previous["KeyId"]
    removed, current = _removed_and_current(desired, previous)
    if removed:
        kms.untag_resource(KeyId=key_id, TagKeys=removed)
    if current:
        kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": k, "TagValue": v} for k, v in current.items()])
    model = {**previous, **desired, "KeyId": key_id, "Arn": previous.get("Arn")}
    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model, custom_context=request.custom_context)


def _rule_create(fn, self: EventsRuleProvider, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    if event.status == OperationStatus.SUCCESS:
        _sync_tags(request.aws_client_factory.events, event.resource_model["Arn"], event.resource_model, None)
    return event


def _rule_update(fn, self: EventsRuleProvider, request: ResourceRequest) -> ProgressEvent:
    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    desired.setdefault("Name", extract_rule_name(previous["Id"]))
    event = _RULE_UPSERT(self, request)
    events = request.aws_client_factory.events
    model = event.resource_model
    kept = {t["Id"] for t in desired.get("Targets") or []}
    stale = [t["Id"] for t in previous.get("Targets") or [] if t["Id"] not in kept]
    if stale:
        bus = {"EventBusName": desired["EventBusName"]} if desired.get("EventBusName") else {}
        events.remove_targets(Rule=extract_rule_name(model["Id"]), Ids=stale, Force=True, **bus)
    _sync_tags(events, model["Arn"], desired, previous)
    return event


def _alarm_create(fn, self: CloudWatchAlarmProvider, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    if event.status == OperationStatus.SUCCESS:
        _sync_tags(request.aws_client_factory.cloudwatch, event.resource_model["Arn"], event.resource_model, None)
    return event


def _alarm_update(fn, self: CloudWatchAlarmProvider, request: ResourceRequest) -> ProgressEvent:
    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    desired.setdefault("AlarmName", previous.get("AlarmName"))
    event = _ALARM_UPSERT(self, request)
    if event.status == OperationStatus.SUCCESS:
        _sync_tags(request.aws_client_factory.cloudwatch, event.resource_model["Arn"], desired, previous)
    return event


PATCHES = Patches(
    [
        Patch.function(EventsRuleProvider.create, _rule_create),
        Patch.function(EventsRuleProvider.update, _rule_update),
        Patch.function(CloudWatchAlarmProvider.create, _alarm_create),
        Patch.function(CloudWatchAlarmProvider.update, _alarm_update),
        Patch.function(LambdaFunctionProvider.update, _function_update),
        Patch.function(IAMRoleProvider.update, _role_update),
        Patch.function(KMSKeyProvider.update, _key_update),
    ]
)
