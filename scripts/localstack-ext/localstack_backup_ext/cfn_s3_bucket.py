"""AWS::S3::Bucket: apply the configuration LocalStack 4.14's provider drops.

Why: ``S3BucketProvider.create`` ignores BucketEncryption, LifecycleConfiguration,
PublicAccessBlockConfiguration, LoggingConfiguration and OwnershipControls, and ``update`` raises
NotImplementedError, which the engine turns into a silent no-op. A stack deployed to LocalStack then
reports CREATE_COMPLETE / UPDATE_COMPLETE for a bucket without its encryption key, lifecycle rules or
public access block, and any spec asserting them fails (or worse, passes against the wrong state).
The patch calls LocalStack's own S3 API through the provider's request client, mapping the CloudFormation
property shapes to the API shapes (they differ for lifecycle and logging).
It also creates buckets private when AccessControl is absent, as AWS does (4.14 defaults to PublicRead).

Object Lock on an existing bucket: 4.14's schema lists ObjectLockEnabled as create-only, so adding it in an
update (the upgrade of a stack deployed before its backup bucket had Object Lock) plans a *replacement* of the
bucket - the gate refuses it, and executing it would create a second bucket of the same name. On AWS Object
Lock can be enabled on an existing bucket, and CloudFormation's registry schema (the one cfn-lint ships and the
gate reads) does not list the property as create-only: the update is in place. The patch plans it so, and the
update enables Object Lock with PutObjectLockConfiguration, as AWS does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest
    from localstack.services.s3.resource_providers.aws_s3_bucket import S3BucketProvider

Props = dict[str, Any]

BUCKET_PROVIDER = "localstack.services.s3.resource_providers.aws_s3_bucket:S3BucketProvider"
CHANGE_SET_MODEL = "localstack.services.cloudformation.engine.v2.change_set_model:ChangeSetModel"

# Create-only in 4.14's schemas, updatable in place on AWS (absent from the registry schema's createOnlyProperties).
UPDATABLE_ON_AWS: dict[str, frozenset[str]] = {"AWS::S3::Bucket": frozenset({"ObjectLockEnabled"})}


def _int(value: Any) -> int:
    return int(value)


def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _drop_none(d: Props) -> Props:
    return {k: v for k, v in d.items() if v is not None and v != {}}


# -- CloudFormation shape -> S3 API shape -------------------------------------------------------


def encryption_to_api(cfn: Props) -> Props:
    rules = []
    for rule in cfn.get("ServerSideEncryptionConfiguration") or []:
        api_rule: Props = {}
        if default := rule.get("ServerSideEncryptionByDefault"):
            api_rule["ApplyServerSideEncryptionByDefault"] = _drop_none(
                {"SSEAlgorithm": default["SSEAlgorithm"], "KMSMasterKeyID": default.get("KMSMasterKeyID")}
            )
        if rule.get("BucketKeyEnabled") is not None:
            api_rule["BucketKeyEnabled"] = _bool(rule["BucketKeyEnabled"])
        rules.append(api_rule)
    return {"Rules": rules}


def _lifecycle_filter(rule: Props) -> Props:
    conditions: Props = {}
    if rule.get("Prefix") is not None:
        conditions["Prefix"] = rule["Prefix"]
    tags = [{"Key": t["Key"], "Value": t["Value"]} for t in rule.get("TagFilters") or []]
    for size_key in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if rule.get(size_key) is not None:
            conditions[size_key] = _int(rule[size_key])
    if len(conditions) + len(tags) > 1:
        return {"And": _drop_none({**conditions, "Tags": tags or None})}
    if tags:
        return {"Tag": tags[0]}
    return conditions or {"Prefix": ""}


def _transition(t: Props, noncurrent: bool) -> Props:
    out: Props = {"StorageClass": t["StorageClass"]}
    if noncurrent:
        out["NoncurrentDays"] = _int(t["TransitionInDays"])
        if t.get("NewerNoncurrentVersions") is not None:
            out["NewerNoncurrentVersions"] = _int(t["NewerNoncurrentVersions"])
    elif t.get("TransitionDate"):
        out["Date"] = t["TransitionDate"]
    else:
        out["Days"] = _int(t["TransitionInDays"])
    return out


def lifecycle_rule_to_api(rule: Props) -> Props:
    api: Props = {"Status": rule["Status"], "Filter": _lifecycle_filter(rule)}
    if rule.get("Id"):
        api["ID"] = rule["Id"]
    expiration: Props = {}
    if rule.get("ExpirationInDays") is not None:
        expiration["Days"] = _int(rule["ExpirationInDays"])
    if rule.get("ExpirationDate"):
        expiration["Date"] = rule["ExpirationDate"]
    if rule.get("ExpiredObjectDeleteMarker") is not None:
        expiration["ExpiredObjectDeleteMarker"] = _bool(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        api["Expiration"] = expiration
    transitions = list(rule.get("Transitions") or []) + ([rule["Transition"]] if rule.get("Transition") else [])
    if transitions:
        api["Transitions"] = [_transition(t, noncurrent=False) for t in transitions]
    nc_transitions = list(rule.get("NoncurrentVersionTransitions") or []) + (
        [rule["NoncurrentVersionTransition"]] if rule.get("NoncurrentVersionTransition") else []
    )
    if nc_transitions:
        api["NoncurrentVersionTransitions"] = [_transition(t, noncurrent=True) for t in nc_transitions]
    if nc := rule.get("NoncurrentVersionExpiration"):
        api["NoncurrentVersionExpiration"] = _drop_none(
            {
                "NoncurrentDays": _int(nc["NoncurrentDays"]),
                "NewerNoncurrentVersions": _int(nc["NewerNoncurrentVersions"])
                if nc.get("NewerNoncurrentVersions") is not None
                else None,
            }
        )
    elif rule.get("NoncurrentVersionExpirationInDays") is not None:
        api["NoncurrentVersionExpiration"] = {"NoncurrentDays": _int(rule["NoncurrentVersionExpirationInDays"])}
    if abort := rule.get("AbortIncompleteMultipartUpload"):
        api["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": _int(abort["DaysAfterInitiation"])}
    return api


def lifecycle_to_api(cfn: Props) -> Props:
    return {"Rules": [lifecycle_rule_to_api(r) for r in cfn.get("Rules") or []]}


def logging_to_api(cfn: Props, bucket_name: str) -> Props:
    # Without DestinationBucketName, AWS delivers the access logs into the bucket itself.
    enabled: Props = {
        "TargetBucket": cfn.get("DestinationBucketName") or bucket_name,
        "TargetPrefix": cfn.get("LogFilePrefix") or "",
    }
    if key_format := cfn.get("TargetObjectKeyFormat"):
        enabled["TargetObjectKeyFormat"] = key_format
    return {"LoggingEnabled": enabled}


def public_access_block_to_api(cfn: Props) -> Props:
    return {k: _bool(v) for k, v in cfn.items() if v is not None}


# -- apply ------------------------------------------------------------------------------------


def _ignore_missing(call: Callable[[], Any]) -> None:
    """Deleting a configuration that is already absent is not an error for CloudFormation."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as e:
        if not e.response.get("Error", {}).get("Code", "").startswith("NoSuch"):
            raise


def apply_bucket_configuration(s3, bucket: str, desired: Props, previous: Props | None) -> None:
    """Put (or delete, when removed from the template) each configuration whose property changed."""
    previous = previous or {}

    def changed(prop: str) -> bool:
        return desired.get(prop) != previous.get(prop)

    if changed("OwnershipControls"):
        if value := desired.get("OwnershipControls"):
            s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": value["Rules"]})
        else:
            _ignore_missing(lambda: s3.delete_bucket_ownership_controls(Bucket=bucket))
    if changed("PublicAccessBlockConfiguration"):
        if value := desired.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=public_access_block_to_api(value)
            )
        else:
            _ignore_missing(lambda: s3.delete_public_access_block(Bucket=bucket))
    if changed("BucketEncryption"):
        if value := desired.get("BucketEncryption"):
            s3.put_bucket_encryption(
                Bucket=bucket, ServerSideEncryptionConfiguration=encryption_to_api(value)
            )
        else:
            _ignore_missing(lambda: s3.delete_bucket_encryption(Bucket=bucket))
    if changed("LifecycleConfiguration"):
        if value := desired.get("LifecycleConfiguration"):
            s3.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration=lifecycle_to_api(value)
            )
        else:
            _ignore_missing(lambda: s3.delete_bucket_lifecycle(Bucket=bucket))
    if changed("LoggingConfiguration"):
        value = desired.get("LoggingConfiguration")
        status = logging_to_api(value, bucket) if value else {}
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus=status)


def _apply_update_of_builtin_properties(
    provider: S3BucketProvider, s3, bucket: str, desired: Props, previous: Props
) -> None:
    """The properties 4.14's create() handles, re-applied on update since its update() does nothing."""

    def changed(prop: str) -> bool:
        return desired.get(prop) != previous.get(prop)

    if changed("VersioningConfiguration") and (versioning := desired.get("VersioningConfiguration")):
        s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": versioning.get("Status", "Suspended")}
        )
    if changed("Tags"):
        if tags := desired.get("Tags"):
            s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
        else:
            _ignore_missing(lambda: s3.delete_bucket_tagging(Bucket=bucket))
    if changed("CorsConfiguration"):
        if cors := provider._transform_cfn_cors(desired.get("CorsConfiguration")):
            s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
        else:
            _ignore_missing(lambda: s3.delete_bucket_cors(Bucket=bucket))
    if changed("WebsiteConfiguration"):
        if website := provider._transform_website_configuration(desired.get("WebsiteConfiguration")):
            s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=website)
        else:
            _ignore_missing(lambda: s3.delete_bucket_website(Bucket=bucket))
    if changed("NotificationConfiguration"):
        config = provider._get_s3_bucket_notification_config({**desired, "BucketName": bucket})
        s3.put_bucket_notification_configuration(
            **(config or {"Bucket": bucket, "NotificationConfiguration": {}})
        )
    if changed("ObjectLockConfiguration") and (lock := desired.get("ObjectLockConfiguration")):
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=lock)
    elif changed("ObjectLockEnabled") and _bool(desired.get("ObjectLockEnabled", False)):
        # Enabled without a default retention: S3 enables Object Lock on an existing bucket this way.
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})


def _create(fn, self: S3BucketProvider, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    model = request.desired_state
    default_acl = "AccessControl" not in model
    if default_acl:
        model["AccessControl"] = "Private"
    event = fn(self, request)
    if default_acl:
        model.pop("AccessControl", None)
    if event.status == OperationStatus.SUCCESS:
        apply_bucket_configuration(
            request.aws_client_factory.s3, model["BucketName"], model, previous=None
        )
    return event


def _update(fn, self: S3BucketProvider, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    desired: Props = request.desired_state
    previous: Props = request.previous_state or {}
    # A generated name lives only in the previous model; a changed name is a replacement, not an update.
    desired.setdefault("BucketName", previous.get("BucketName"))
    bucket = desired["BucketName"]
    s3 = request.aws_client_factory.s3
    _apply_update_of_builtin_properties(self, s3, bucket, desired, previous)
    apply_bucket_configuration(s3, bucket, desired, previous)
    self._setup_post_creation_attributes(desired, request.region_name)
    return ProgressEvent(
        status=OperationStatus.SUCCESS, resource_model=desired, custom_context=request.custom_context
    )


def without_updatable(resource_type: str | None, properties: list[Any]) -> list[Any]:
    """The properties whose change decides replacement: those AWS updates in place are left out."""
    updatable = UPDATABLE_ON_AWS.get(resource_type or "", frozenset())
    return [p for p in properties if p.name not in updatable]


def _requires_replacement(fn, self, node_properties, resource_type):
    from types import SimpleNamespace

    kept = without_updatable(getattr(resource_type, "value", None), node_properties.properties)
    if len(kept) == len(node_properties.properties):
        return fn(self, node_properties, resource_type)
    # The original reads only `.properties`.
    return fn(self, SimpleNamespace(properties=kept), resource_type)


PATCHES = LazyPatches(
    "cfn_s3_bucket",
    [
        (BUCKET_PROVIDER, "create", _create),
        (BUCKET_PROVIDER, "update", _update),
        (CHANGE_SET_MODEL, "_resolve_requires_replacement", _requires_replacement),
    ]
)
