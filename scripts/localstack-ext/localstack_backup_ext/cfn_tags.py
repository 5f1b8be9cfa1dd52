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

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches, original

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest

Props = dict[str, Any]

RULE_PROVIDER = "localstack.services.events.resource_providers.aws_events_rule:EventsRuleProvider"
ALARM_PROVIDER = "localstack.services.cloudwatch.resource_providers.aws_cloudwatch_alarm:CloudWatchAlarmProvider"
FUNCTION_PROVIDER = "localstack.services.lambda_.resource_providers.aws_lambda_function:LambdaFunctionProvider"
ROLE_PROVIDER = "localstack.services.iam.resource_providers.aws_iam_role:IAMRoleProvider"
KEY_PROVIDER = "localstack.services.kms.resource_providers.aws_kms_key:KMSKeyProvider"


def _success(event: ProgressEvent) -> bool:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    return event.status == OperationStatus.SUCCESS


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


def _function_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    arn = (event.resource_model or {}).get("Arn") or (request.previous_state or {}).get("Arn")
    if _success(event) and arn:
        client = request.aws_client_factory.lambda_
        removed, current = _removed_and_current(request.desired_state, request.previous_state)
        if removed:
            client.untag_resource(Resource=arn, TagKeys=removed)
        if current:
            client.tag_resource(Resource=arn, Tags=current)
    return event


def _role_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    role_name = (event.resource_model or {}).get("RoleName")
    if _success(event) and role_name:
        iam = request.aws_client_factory.iam
        removed, current = _removed_and_current(request.desired_state, request.previous_state)
        if removed:
            iam.untag_role(RoleName=role_name, TagKeys=removed)
        if current:
            iam.tag_role(RoleName=role_name, Tags=[{"Key": k, "Value": v} for k, v in current.items()])
        event.resource_model = {**event.resource_model, "Tags": request.desired_state.get("Tags")}
    return event


def _key_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

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


def _rule_create(fn, self, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    if _success(event):
        _sync_tags(request.aws_client_factory.events, event.resource_model["Arn"], event.resource_model, None)
    return event


def _rule_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.events.resource_providers.aws_events_rule import extract_rule_name

    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    desired.setdefault("Name", extract_rule_name(previous["Id"]))
    # LocalStack's own create is an upsert (PutRule/PutTargets); tags are reconciled below against the
    # previous model, which the create wrapper (previous = none) could not do.
    event = original(RULE_PROVIDER, "create")(self, request)
    events = request.aws_client_factory.events
    model = event.resource_model
    kept = {t["Id"] for t in desired.get("Targets") or []}
    stale = [t["Id"] for t in previous.get("Targets") or [] if t["Id"] not in kept]
    if stale:
        bus = {"EventBusName": desired["EventBusName"]} if desired.get("EventBusName") else {}
        events.remove_targets(Rule=extract_rule_name(model["Id"]), Ids=stale, Force=True, **bus)
    _sync_tags(events, model["Arn"], desired, previous)
    return event


def _alarm_create(fn, self, request: ResourceRequest) -> ProgressEvent:
    event = fn(self, request)
    if _success(event):
        _sync_tags(request.aws_client_factory.cloudwatch, event.resource_model["Arn"], event.resource_model, None)
    return event


def _alarm_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    desired.setdefault("AlarmName", previous.get("AlarmName"))
    event = original(ALARM_PROVIDER, "create")(self, request)  # PutMetricAlarm is an upsert
    if _success(event):
        _sync_tags(request.aws_client_factory.cloudwatch, event.resource_model["Arn"], desired, previous)
    return event


PATCHES = LazyPatches(
    "cfn_tags",
    [
        (RULE_PROVIDER, "create", _rule_create),
        (RULE_PROVIDER, "update", _rule_update),
        (ALARM_PROVIDER, "create", _alarm_create),
        (ALARM_PROVIDER, "update", _alarm_update),
        (FUNCTION_PROVIDER, "update", _function_update),
        (ROLE_PROVIDER, "update", _role_update),
        (KEY_PROVIDER, "update", _key_update),
    ]
)
