"""s3_object_lock_policy: the bucket policy's Denies, evaluated as IAM does, and the wrappers that apply them."""

import datetime
import json
from types import SimpleNamespace

import pytest

from localstack_backup_ext import s3_object_lock_policy as lock
from localstack_backup_ext.s3_object_lock_policy import (
    condition_matches,
    denying_statement,
    request_context,
    retention_keys,
)

ACCOUNT = "000000000000"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/ops/BreakGlass"
OBJECT = "arn:aws:s3:::backups-bucket/backups/2026-12-01/a.pdf"
NOW = datetime.datetime(2026, 12, 1, 2, 0, tzinfo=datetime.UTC)

# The statements of template/backup-stack.yaml's BackupBucketPolicy that this patch acts on, as deployed (dev,
# with a break-glass role), plus its TLS denial, which must not deny requests the patch evaluates.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::backups-bucket", "arn:aws:s3:::backups-bucket/*"],
         "Condition": {"Bool": {"aws:SecureTransport": False}}},
        {"Sid": "DenyOutdatedTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::backups-bucket/*"], "Condition": {"NumericLessThan": {"s3:TlsVersion": 1.2}}},
        {"Sid": "DenyGovernanceBypass", "Effect": "Deny", "Principal": "*", "Action": "s3:BypassGovernanceRetention",
         "Resource": "arn:aws:s3:::backups-bucket/*", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}},
        {"Sid": "DenyRetentionShorterThanTheBackupRetention", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObjectRetention", "s3:PutObject"], "Resource": "arn:aws:s3:::backups-bucket/*",
         "Condition": {"NumericLessThan": {"s3:object-lock-remaining-retention-days": 30},
                       "ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}},
        {"Sid": "DenyAnotherRetentionMode", "Effect": "Deny", "Principal": "*",
         "Action": ["s3:PutObjectRetention", "s3:PutObject"], "Resource": "arn:aws:s3:::backups-bucket/*",
         "Condition": {"StringNotEquals": {"s3:object-lock-mode": "GOVERNANCE"}, "Null": {"s3:object-lock-mode": "false"},
                       "ArnNotEquals": {"aws:PrincipalArn": BREAK_GLASS}}},
    ],
}


def decide(action, caller=ROOT, extra=None, policy=POLICY):
    return denying_statement(json.dumps(policy), action, OBJECT, caller, ACCOUNT, request_context(caller, ACCOUNT, extra))


def retention(days, mode="GOVERNANCE"):
    return retention_keys({"Mode": mode, "RetainUntilDate": NOW + datetime.timedelta(days=days)}, NOW)


def test_the_bypass_is_denied_to_the_account_and_allowed_to_the_break_glass_role():
    assert decide("s3:BypassGovernanceRetention") == "DenyGovernanceBypass"
    assert decide("s3:BypassGovernanceRetention", caller=f"arn:aws:iam::{ACCOUNT}:role/AccountAdmin") == "DenyGovernanceBypass"
    assert decide("s3:BypassGovernanceRetention", caller=BREAK_GLASS) is None


def test_a_retention_below_the_default_or_in_another_mode_is_denied_an_extension_is_not():
    assert decide("s3:PutObjectRetention", extra=retention(29)) == "DenyRetentionShorterThanTheBackupRetention"
    assert decide("s3:PutObjectRetention", extra=retention(35, "COMPLIANCE")) == "DenyAnotherRetentionMode"
    assert decide("s3:PutObjectRetention", extra=retention(35)) is None
    assert decide("s3:PutObjectRetention", caller=BREAK_GLASS, extra=retention(1)) is None


def test_the_tls_denials_hold_no_request_the_patch_evaluates():
    # The emulator's endpoint is HTTP; the patch evaluates as if over TLS 1.2.
    context = request_context(ROOT, ACCOUNT)
    assert context["aws:SecureTransport"] == ["true"] and context["s3:TlsVersion"] == ["1.2"]
    assert decide("s3:GetObject") is None


def test_remaining_retention_days_are_whole_days_left_rounded_down():
    assert retention(30)["s3:object-lock-remaining-retention-days"] == 30
    almost = retention_keys({"Mode": "GOVERNANCE", "RetainUntilDate": NOW + datetime.timedelta(days=30, seconds=-1)}, NOW)
    assert almost["s3:object-lock-remaining-retention-days"] == 29
    assert almost["s3:object-lock-mode"] == "GOVERNANCE"
    assert retention_keys(None, NOW) == {}


@pytest.mark.parametrize(
    ("operator", "value", "context", "expected"),
    [
        ("StringNotEquals", "GOVERNANCE", {}, True),  # a missing key: negated operators hold
        ("StringEquals", "GOVERNANCE", {}, False),
        ("StringEqualsIfExists", "GOVERNANCE", {}, True),
        ("Null", "false", {}, False),
        ("Null", "true", {}, True),
        ("NumericLessThan", 30, {"k": ["29"]}, True),
        ("NumericLessThan", 30, {"k": ["30"]}, False),
        ("ArnLike", "arn:aws:iam::*:role/ops/*", {"k": [BREAK_GLASS]}, True),
        ("ArnNotLike", "arn:aws:iam::*:role/ops/*", {"k": [BREAK_GLASS]}, False),
        ("Bool", False, {"k": ["false"]}, True),
        ("StringLike", "a[b]*", {"k": ["a[b]c"]}, True),  # [ is literal in IAM, not a character class
        ("DateGreaterThan", "2026-01-01T00:00:00Z", {"k": ["2026-12-01T00:00:00+00:00"]}, True),
    ],
)
def test_condition_operators_follow_iam(operator, value, context, expected):
    assert condition_matches(operator, "k", value, context) is expected


def test_an_operator_it_does_not_know_makes_the_deny_apply():
    assert condition_matches("ForAnyValue:StringEquals", "k", "x", {"k": ["y"]}) is True
    # Also when the request lacks the key (aws:SourceIp is never in the context): fail closed, as IAM would deny.
    assert condition_matches("NotIpAddress", "aws:SourceIp", "10.0.0.0/8", {}) is True
    assert condition_matches("ForAnyValue:StringEquals", "k", "x", {}) is True


def test_a_null_without_a_value_makes_the_deny_apply():
    assert condition_matches("Null", "k", [], {}) is True


def test_principal_action_and_resource_must_all_match():
    policy = {"Statement": [{"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/Other"},
                             "Action": "s3:BypassGovernanceRetention", "Resource": "*"},
                            {"Effect": "Deny", "Principal": "*", "NotAction": "s3:Bypass*", "Resource": "*"},
                            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::other/*"},
                            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    assert decide("s3:BypassGovernanceRetention", policy=policy) is None
    account_wide = {"Statement": [{"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "s3:bypassgovernanceretention", "Resource": "*"}]}
    assert decide("s3:BypassGovernanceRetention", policy=account_wide) == "[0]"
    assert denying_statement(None, "s3:BypassGovernanceRetention", OBJECT, ROOT, ACCOUNT, {}) is None


# -- the wrappers, against a stand-in provider ----------------------------------------------------------------


class Provider:
    def __init__(self, policy):
        self.bucket = SimpleNamespace(policy=json.dumps(policy))
        self.calls = []

    def _get_cross_account_bucket(self, context, bucket):
        return None, self.bucket


@pytest.fixture
def caller(monkeypatch):
    who = {"arn": ROOT}
    monkeypatch.setattr(lock, "caller_of", lambda context: (who["arn"], ACCOUNT))
    return who


def _recording(provider):
    def fn(self, context, bucket, key_or_delete, *args, **kwargs):
        provider.calls.append((key_or_delete, kwargs.get("bypass_governance_retention")))
        return {"Deleted": [{"Key": o["Key"]} for o in key_or_delete["Objects"]]} if isinstance(key_or_delete, dict) else {}
    return fn


def test_delete_object_loses_a_denied_bypass_and_keeps_an_allowed_one(caller):
    provider = Provider(POLICY)
    fn = _recording(provider)
    lock._delete_object(fn, provider, None, bucket="backups-bucket", key="backups/2026-12-01/a.pdf", version_id="v1", bypass_governance_retention=True)
    caller["arn"] = BREAK_GLASS
    lock._delete_object(fn, provider, None, bucket="backups-bucket", key="backups/2026-12-01/a.pdf", version_id="v1", bypass_governance_retention=True)
    assert provider.calls == [("backups/2026-12-01/a.pdf", None), ("backups/2026-12-01/a.pdf", True)]


def test_delete_objects_deletes_denied_keys_without_the_bypass_and_merges_the_results(caller):
    policy = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:BypassGovernanceRetention", "Resource": "arn:aws:s3:::backups-bucket/backups/*"}]}
    provider = Provider(policy)
    delete = {"Objects": [{"Key": "backups/a"}, {"Key": "scratch/b"}], "Quiet": False}
    result = lock._delete_objects(_recording(provider), provider, None, bucket="backups-bucket", delete=delete, bypass_governance_retention=True)
    assert provider.calls == [({"Objects": [{"Key": "backups/a"}], "Quiet": False}, None), ({"Objects": [{"Key": "scratch/b"}], "Quiet": False}, True)]
    assert result["Deleted"] == [{"Key": "backups/a"}, {"Key": "scratch/b"}]


def test_put_object_retention_refuses_what_the_policy_denies(caller):
    from localstack.aws.api.s3 import AccessDenied

    provider = Provider(POLICY)
    calls = []
    fn = lambda self, context, bucket, key, *args, **kwargs: calls.append(kwargs)  # noqa: E731
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)}
    with pytest.raises(AccessDenied):
        lock._put_object_retention(fn, provider, None, bucket="backups-bucket", key="k", retention=shorter, bypass_governance_retention=True)
    assert calls == []
    caller["arn"] = BREAK_GLASS
    lock._put_object_retention(fn, provider, None, bucket="backups-bucket", key="k", retention=shorter, bypass_governance_retention=True)
    assert calls == [{"retention": shorter, "bypass_governance_retention": True}]
