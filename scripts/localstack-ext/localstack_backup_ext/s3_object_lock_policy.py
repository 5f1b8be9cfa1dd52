"""S3 Object Lock: the bucket policy's Deny statements hold for the calls that lift or shorten a lock.

Why: LocalStack 4.14 implements Object Lock itself (default retention, AccessDenied for deleting a locked
version or shortening its retention) but evaluates no bucket policy. A governance bypass
(``x-amz-bypass-governance-retention: true`` on DeleteObject, DeleteObjects or PutObjectRetention) therefore
always succeeds, and a PutObjectRetention the policy refuses (a shorter retention, another mode) is applied. On
AWS the backup bucket's policy denies both to every principal but the break-glass role, and that Deny is the
whole protection of GOVERNANCE-locked backups against an admin credential: a spec that asserts it would pass
against nothing.

For those three calls the patch evaluates the Deny statements of the bucket's policy for the caller, as IAM
does (Principal, Action/NotAction, Resource/NotResource, Condition with the operators IAM defines; an operator
it does not know makes the Deny apply: fail closed): a denied ``s3:BypassGovernanceRetention`` means the
request cannot bypass (S3's own lock check then refuses a locked version with AccessDenied, as on AWS), and a
denied ``s3:PutObjectRetention`` is AccessDenied. Allow statements are not evaluated (IAM stays unenforced).
The caller is the role behind assumed-role credentials, an IAM user, or the account root. The request counts as
made over TLS 1.2 (``aws:SecureTransport``, ``s3:TlsVersion``): the emulator's endpoint is plain HTTP, and the
TLS denials are not what this patch is about.

Not covered: s3:PutBucketObjectLockConfiguration (denying it here would also refuse CloudFormation's own update of
the configuration, which AWS refuses to a deployer that is not the break-glass role: proven by the matrix
instead), and PutObject/CopyObject with Object Lock headers.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import logging
import math
from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.aws.api import RequestContext

LOG = logging.getLogger(__name__)

S3_PROVIDER = "localstack.services.s3.provider:S3Provider"

Context = dict[str, list[str]]


# -- the evaluation (pure: unit-tested) ---------------------------------------------------------------------


def _list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _glob(pattern: str, text: str, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, text = pattern.lower(), text.lower()
    # IAM wildcards are * and ? only: fnmatch's [..] classes must not apply.
    return fnmatch.fnmatchcase(text, pattern.replace("[", "[[]"))


def _principal_matches(principal: Any, caller_arn: str, caller_account: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for entry in _list(principal.get("AWS")):
        if entry in ("*", caller_arn, caller_account, f"arn:aws:iam::{caller_account}:root"):
            return True
        if isinstance(entry, str) and entry.endswith(f":iam::{caller_account}:root"):
            return True
    return False


def _number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date(value: str) -> datetime.datetime | None:
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        number = _number(value)
        return None if number is None else datetime.datetime.fromtimestamp(number, datetime.UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


_COMPARE = {
    "Equals": lambda a, b: a == b,
    "NotEquals": lambda a, b: a != b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _single(base: str, request: str, policy: str) -> bool | None:
    """One request value against one policy value under a non-negated operator; None: unknown operator."""
    if base in ("StringEquals", "StringLike", "ArnEquals", "ArnLike"):
        return _glob(policy, request) if base.endswith("Like") or base.startswith("Arn") else request == policy
    if base == "StringEqualsIgnoreCase":
        return request.lower() == policy.lower()
    if base == "Bool":
        return request.lower() == str(policy).lower()
    for family, convert in (("Numeric", _number), ("Date", _date)):
        if base.startswith(family) and base[len(family):] in _COMPARE:
            a, b = convert(request), convert(str(policy))
            return a is not None and b is not None and _COMPARE[base[len(family):]](a, b)
    return None


_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def condition_matches(operator: str, key: str, policy_values: Any, context: Context) -> bool:
    """One condition entry, with IAM's semantics for missing keys, IfExists, Null and the negated operators."""
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in _list(policy_values)]
    request = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if operator == "Null":
        # A Null without a value is malformed: fail closed, the Deny applies.
        return not values or (request is None) == (values[0].lower() == "true")
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    negated = base in _NEGATED or base in ("NumericNotEquals", "DateNotEquals")
    positive = _NEGATED.get(base, base.replace("NotEquals", "Equals"))
    if _single(positive, "", "") is None:
        # Checked before the missing-key rule: an operator this patch does not know (NotIpAddress, ForAnyValue:...)
        # makes the Deny apply whether or not the request carries the key.
        LOG.warning("localstack-backup-ext: condition operator %s is not evaluated; the Deny applies", operator)
        return True
    if request is None:
        # A missing key: true for IfExists and for the negated operators, false otherwise.
        return if_exists or base in _NEGATED or base == "NumericNotEquals" or base == "DateNotEquals"
    results = [_single(positive, r, p) for r in request for p in values]
    matched = any(results)
    return not matched if negated else matched


def statement_denies(statement: dict[str, Any], action: str, resource: str, caller_arn: str, caller_account: str, context: Context) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    if "Principal" in statement and not _principal_matches(statement["Principal"], caller_arn, caller_account):
        return False
    if "Action" in statement and not any(_glob(a, action, ignore_case=True) for a in _list(statement["Action"])):
        return False
    if "NotAction" in statement and any(_glob(a, action, ignore_case=True) for a in _list(statement["NotAction"])):
        return False
    if "Resource" in statement and not any(_glob(r, resource) for r in _list(statement["Resource"])):
        return False
    if "NotResource" in statement and any(_glob(r, resource) for r in _list(statement["NotResource"])):
        return False
    for operator, block in (statement.get("Condition") or {}).items():
        for key, value in (block or {}).items():
            if not condition_matches(operator, key, value, context):
                return False
    return True


def denying_statement(policy: str | dict | None, action: str, resource: str, caller_arn: str, caller_account: str, context: Context) -> str | None:
    """The Sid (or index) of the first Deny of the policy that applies, or None."""
    if not policy:
        return None
    document = json.loads(policy) if isinstance(policy, str) else policy
    for index, statement in enumerate(_list(document.get("Statement"))):
        if statement_denies(statement, action, resource, caller_arn, caller_account, context):
            return str(statement.get("Sid") or f"[{index}]")
    return None


def request_context(caller_arn: str, caller_account: str, extra: dict[str, Any] | None = None) -> Context:
    """The keys S3 sets for these requests (multi-valued form); TLS as if the endpoint were HTTPS."""
    context: Context = {
        "aws:PrincipalArn": [caller_arn],
        "aws:PrincipalAccount": [caller_account],
        "aws:SecureTransport": ["true"],
        "s3:TlsVersion": ["1.2"],
    }
    for key, value in (extra or {}).items():
        if value is not None:
            context[key] = [str(value)]
    return context


def retention_keys(retention: dict[str, Any] | None, now: datetime.datetime) -> dict[str, Any]:
    """s3:object-lock-mode / -retain-until-date / -remaining-retention-days of a PutObjectRetention body."""
    if not retention:
        return {}
    until = retention.get("RetainUntilDate")
    keys: dict[str, Any] = {"s3:object-lock-mode": retention.get("Mode")}
    if isinstance(until, datetime.datetime):
        until = until if until.tzinfo else until.replace(tzinfo=datetime.UTC)
        keys["s3:object-lock-retain-until-date"] = until.isoformat()
        # Whole days left, rounded down: a retention one second short of N days has N-1 days remaining.
        keys["s3:object-lock-remaining-retention-days"] = max(0, math.floor((until - now).total_seconds() / 86400))
    return keys


# -- the caller ---------------------------------------------------------------------------------------------


def caller_of(context: RequestContext) -> tuple[str, str]:
    """(principal ARN, account) of the request: an assumed role's role ARN, an IAM user's ARN, else the root."""
    from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

    account = context.account_id
    partition = getattr(context, "partition", None) or "aws"
    access_key = extract_access_key_id_from_auth_header(context.request.headers) if context.request else None
    if access_key:
        try:
            from moto.iam.models import iam_backends
            from moto.sts.models import sts_backends

            role = sts_backends[account][partition].get_assumed_role_from_access_key(access_key)
            if role:
                return role.role_arn, account
            user = iam_backends[account][partition].get_user_from_access_key_id(access_key)
            if user:
                return user.arn, account
        except Exception:  # noqa: BLE001 - an unknown key is the account's own root, as LocalStack treats it
            LOG.debug("localstack-backup-ext: no principal for access key %s", access_key, exc_info=True)
    return f"arn:{partition}:iam::{account}:root", account


def _denied(self, context: RequestContext, bucket: str, action: str, resource: str, extra: dict[str, Any] | None = None) -> str | None:
    _, s3_bucket = self._get_cross_account_bucket(context, bucket)
    caller_arn, account = caller_of(context)
    sid = denying_statement(s3_bucket.policy, action, resource, caller_arn, account, request_context(caller_arn, account, extra))
    if sid:
        LOG.info("localstack-backup-ext: %s on %s denied to %s by the bucket policy (%s)", action, resource, caller_arn, sid)
    return sid


def _object_arn(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


# -- the wrappers -------------------------------------------------------------------------------------------


def _delete_object(fn, self, context, bucket, key, *args, **kwargs):
    if kwargs.get("bypass_governance_retention") and _denied(self, context, bucket, "s3:BypassGovernanceRetention", _object_arn(bucket, key)):
        kwargs["bypass_governance_retention"] = None
    return fn(self, context, bucket, key, *args, **kwargs)


def _delete_objects(fn, self, context, bucket, delete, *args, **kwargs):
    if not kwargs.get("bypass_governance_retention"):
        return fn(self, context, bucket, delete, *args, **kwargs)
    objects = delete.get("Objects") or []
    denied = [o for o in objects if _denied(self, context, bucket, "s3:BypassGovernanceRetention", _object_arn(bucket, o["Key"]))]
    if not denied:
        return fn(self, context, bucket, delete, *args, **kwargs)
    # The objects whose bypass is denied are deleted without it (S3's own lock check decides), the others with it.
    allowed = [o for o in objects if o not in denied]
    result = fn(self, context, bucket, {**delete, "Objects": denied}, *args, **{**kwargs, "bypass_governance_retention": None})
    if allowed:
        rest = fn(self, context, bucket, {**delete, "Objects": allowed}, *args, **kwargs)
        for field in ("Deleted", "Errors"):
            if rest.get(field):
                result[field] = (result.get(field) or []) + rest[field]
    return result


def _put_object_retention(fn, self, context, bucket, key, *args, **kwargs):
    from localstack.aws.api.s3 import AccessDenied

    resource = _object_arn(bucket, key)
    if kwargs.get("bypass_governance_retention") and _denied(self, context, bucket, "s3:BypassGovernanceRetention", resource):
        kwargs["bypass_governance_retention"] = None
    retention = kwargs.get("retention", args[0] if args else None)
    keys = retention_keys(retention, datetime.datetime.now(datetime.UTC))
    if _denied(self, context, bucket, "s3:PutObjectRetention", resource, keys):
        raise AccessDenied("Access Denied")
    return fn(self, context, bucket, key, *args, **kwargs)


PATCHES = LazyPatches(
    "s3_object_lock_policy",
    [
        (S3_PROVIDER, "delete_object", _delete_object),
        (S3_PROVIDER, "delete_objects", _delete_objects),
        (S3_PROVIDER, "put_object_retention", _put_object_retention),
    ],
)
