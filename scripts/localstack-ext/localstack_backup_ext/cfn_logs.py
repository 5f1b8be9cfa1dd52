"""AWS::Logs::LogGroup: apply RetentionInDays, KmsKeyId and Tags on create and update.

Why: LocalStack 4.14's provider calls only CreateLogGroup(logGroupName) and its update raises
NotImplementedError (a silent no-op for the engine), so a log group deployed from a template has no
retention, no KMS key and no tags, and parameter-driven retention changes never land.

Two 4.14 service gaps are worked around in LocalStack's own stores, never behind the template's back:
AssociateKmsKey/DisassociateKmsKey are not implemented (the key is set on the moto log group, which is
where DescribeLogGroups reads it from), and TagResource drops tags for a group that never had any
(the provider's tag store entry is created first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest

LOG_GROUP_PROVIDER = "localstack.services.logs.resource_providers.aws_logs_loggroup:LogsLogGroupProvider"

Props = dict[str, Any]


def _tags(props: Props) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in props.get("Tags") or []}


def tag_changes(desired: Props, previous: Props | None) -> tuple[list[str], dict[str, str]]:
    """(keys to untag, tags to put) for an update; nothing to put when the tags are unchanged."""
    new, old = _tags(desired), _tags(previous or {})
    return [k for k in old if k not in new], (new if new != old else {})


def _set_kms_key(logs, request: ResourceRequest, name: str, key_id: str | None) -> None:
    from botocore.exceptions import ClientError

    try:
        if key_id:
            logs.associate_kms_key(logGroupName=name, kmsKeyId=key_id)
        else:
            logs.disassociate_kms_key(logGroupName=name)
        return
    except ClientError as e:
        if e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 501:
            raise
    from moto.logs.models import logs_backends

    logs_backends[request.account_id][request.region_name].groups[name].kms_key_id = key_id


def _ensure_tag_entry(request: ResourceRequest, name: str) -> str:
    from localstack.services.logs.models import logs_stores
    from localstack.utils.aws import arns

    arn = arns.log_group_arn(name, account_id=request.account_id, region_name=request.region_name)
    logs_stores[request.account_id][request.region_name].TAGS.setdefault(arn, {})
    return arn


def _retention(logs, name: str, days: Any) -> None:
    if days:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(days))
    else:
        logs.delete_retention_policy(logGroupName=name)


def _create(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    model: Props = request.desired_state
    logs = request.aws_client_factory.logs
    event = fn(self, request)
    if event.status != OperationStatus.SUCCESS:
        return event
    name = model["LogGroupName"]
    if model.get("RetentionInDays"):
        _retention(logs, name, model["RetentionInDays"])
    if model.get("KmsKeyId"):
        _set_kms_key(logs, request, name, model["KmsKeyId"])
    if tags := _tags(model):
        arn = _ensure_tag_entry(request, name)
        logs.tag_resource(resourceArn=arn, tags=tags)
    return event


def _update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    desired.setdefault("LogGroupName", previous.get("LogGroupName"))
    name = desired["LogGroupName"]
    logs = request.aws_client_factory.logs
    if desired.get("RetentionInDays") != previous.get("RetentionInDays"):
        _retention(logs, name, desired.get("RetentionInDays"))
    if desired.get("KmsKeyId") != previous.get("KmsKeyId"):
        _set_kms_key(logs, request, name, desired.get("KmsKeyId"))
    removed, current = tag_changes(desired, previous)
    if removed or current:
        arn = _ensure_tag_entry(request, name)
        if removed:
            logs.untag_resource(resourceArn=arn, tagKeys=removed)
        if current:
            logs.tag_resource(resourceArn=arn, tags=current)
    desired["Arn"] = previous.get("Arn") or logs.describe_log_groups(logGroupNamePrefix=name)[
        "logGroups"
    ][0]["arn"]
    return ProgressEvent(
        status=OperationStatus.SUCCESS, resource_model=desired, custom_context=request.custom_context
    )


PATCHES = LazyPatches(
    "cfn_logs",
    [
        (LOG_GROUP_PROVIDER, "create", _create),
        (LOG_GROUP_PROVIDER, "update", _update),
    ]
)
