from unittest.mock import MagicMock

import pytest
from botocore.exceptions import ClientError

from localstack_backup_ext.cfn_s3_bucket import (
    apply_bucket_configuration,
    encryption_to_api,
    lifecycle_rule_to_api,
    lifecycle_to_api,
    logging_to_api,
    public_access_block_to_api,
)


def test_encryption_kms_with_bucket_key_from_strings():
    cfn = {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:key"},
                "BucketKeyEnabled": "true",
            }
        ]
    }
    assert encryption_to_api(cfn) == {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:key"},
                "BucketKeyEnabled": True,
            }
        ]
    }


def test_encryption_aes256_drops_absent_key_and_bucket_key():
    cfn = {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
    assert encryption_to_api(cfn) == {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def test_encryption_bucket_key_false_is_kept_false():
    cfn = {"ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": False}]}
    assert encryption_to_api(cfn) == {"Rules": [{"BucketKeyEnabled": False}]}


def test_lifecycle_prefix_only_filter_and_expiration_days_as_int():
    rule = {"Id": "expire", "Status": "Enabled", "Prefix": "backups/", "ExpirationInDays": "30"}
    assert lifecycle_rule_to_api(rule) == {
        "ID": "expire",
        "Status": "Enabled",
        "Filter": {"Prefix": "backups/"},
        "Expiration": {"Days": 30},
    }


def test_lifecycle_rule_without_conditions_filters_everything():
    assert lifecycle_rule_to_api({"Status": "Disabled"})["Filter"] == {"Prefix": ""}


def test_lifecycle_single_tag_filter():
    rule = {"Status": "Enabled", "TagFilters": [{"Key": "k", "Value": "v"}]}
    assert lifecycle_rule_to_api(rule)["Filter"] == {"Tag": {"Key": "k", "Value": "v"}}


def test_lifecycle_several_conditions_use_and():
    rule = {
        "Status": "Enabled",
        "Prefix": "p/",
        "ObjectSizeGreaterThan": "100",
        "TagFilters": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
    }
    assert lifecycle_rule_to_api(rule)["Filter"] == {
        "And": {
            "Prefix": "p/",
            "ObjectSizeGreaterThan": 100,
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
        }
    }


def test_lifecycle_prefix_and_size_without_tags_use_and_without_tags():
    rule = {"Status": "Enabled", "Prefix": "p/", "ObjectSizeLessThan": 5}
    assert lifecycle_rule_to_api(rule)["Filter"] == {"And": {"Prefix": "p/", "ObjectSizeLessThan": 5}}


def test_lifecycle_transitions_singular_and_plural_merge():
    rule = {
        "Status": "Enabled",
        "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": "90"}],
        "Transition": {"StorageClass": "DEEP_ARCHIVE", "TransitionDate": "2030-01-01T00:00:00Z"},
    }
    assert lifecycle_rule_to_api(rule)["Transitions"] == [
        {"StorageClass": "GLACIER", "Days": 90},
        {"StorageClass": "DEEP_ARCHIVE", "Date": "2030-01-01T00:00:00Z"},
    ]


def test_lifecycle_noncurrent_transitions_use_noncurrent_days():
    rule = {
        "Status": "Enabled",
        "NoncurrentVersionTransitions": [
            {"StorageClass": "STANDARD_IA", "TransitionInDays": "30", "NewerNoncurrentVersions": "2"}
        ],
    }
    assert lifecycle_rule_to_api(rule)["NoncurrentVersionTransitions"] == [
        {"StorageClass": "STANDARD_IA", "NoncurrentDays": 30, "NewerNoncurrentVersions": 2}
    ]


def test_lifecycle_noncurrent_expiration_object_wins_over_days_shorthand():
    rule = {
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": "7"},
        "NoncurrentVersionExpirationInDays": 99,
    }
    assert lifecycle_rule_to_api(rule)["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}


def test_lifecycle_noncurrent_expiration_days_shorthand():
    rule = {"Status": "Enabled", "NoncurrentVersionExpirationInDays": "14"}
    assert lifecycle_rule_to_api(rule)["NoncurrentVersionExpiration"] == {"NoncurrentDays": 14}


def test_lifecycle_abort_multipart_and_delete_marker():
    rule = {
        "Status": "Enabled",
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": "1"},
        "ExpiredObjectDeleteMarker": "true",
    }
    api = lifecycle_rule_to_api(rule)
    assert api["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert api["Expiration"] == {"ExpiredObjectDeleteMarker": True}


def test_lifecycle_to_api_maps_every_rule():
    cfn = {"Rules": [{"Status": "Enabled", "Id": "a"}, {"Status": "Disabled", "Id": "b"}]}
    assert [r["ID"] for r in lifecycle_to_api(cfn)["Rules"]] == ["a", "b"]
    assert lifecycle_to_api({}) == {"Rules": []}


def test_logging_defaults_to_the_bucket_itself_and_empty_prefix():
    assert logging_to_api({}, "docs") == {"LoggingEnabled": {"TargetBucket": "docs", "TargetPrefix": ""}}


def test_logging_destination_prefix_and_key_format():
    cfn = {
        "DestinationBucketName": "logs",
        "LogFilePrefix": "access/",
        "TargetObjectKeyFormat": {"SimplePrefix": {}},
    }
    assert logging_to_api(cfn, "docs") == {
        "LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": "access/", "TargetObjectKeyFormat": {"SimplePrefix": {}}}
    }


def test_public_access_block_strings_to_booleans_and_none_dropped():
    cfn = {"BlockPublicAcls": "true", "BlockPublicPolicy": True, "IgnorePublicAcls": "false", "RestrictPublicBuckets": None}
    assert public_access_block_to_api(cfn) == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": False,
    }


def _no_such(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "Delete")


def test_apply_on_create_puts_every_configured_property():
    s3 = MagicMock()
    desired = {
        "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True},
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
        "LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "ExpirationInDays": 1}]},
        "LoggingConfiguration": {"DestinationBucketName": "logs"},
    }
    apply_bucket_configuration(s3, "docs", desired, previous=None)
    s3.put_bucket_encryption.assert_called_once()
    s3.put_public_access_block.assert_called_once_with(
        Bucket="docs", PublicAccessBlockConfiguration={"BlockPublicAcls": True}
    )
    s3.put_bucket_ownership_controls.assert_called_once_with(
        Bucket="docs", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_lifecycle_configuration.assert_called_once()
    s3.put_bucket_logging.assert_called_once_with(
        Bucket="docs", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "logs", "TargetPrefix": ""}}
    )


def test_apply_on_update_touches_only_changed_properties():
    s3 = MagicMock()
    same = {"BlockPublicAcls": True}
    previous = {"PublicAccessBlockConfiguration": same, "LifecycleConfiguration": {"Rules": []}}
    desired = {"PublicAccessBlockConfiguration": same, "LifecycleConfiguration": {"Rules": [{"Status": "Enabled"}]}}
    apply_bucket_configuration(s3, "docs", desired, previous)
    s3.put_public_access_block.assert_not_called()
    s3.put_bucket_lifecycle_configuration.assert_called_once()
    s3.put_bucket_encryption.assert_not_called()


def test_apply_removed_property_is_deleted_and_missing_configuration_is_not_an_error():
    s3 = MagicMock()
    s3.delete_bucket_lifecycle.side_effect = _no_such("NoSuchLifecycleConfiguration")
    previous = {"LifecycleConfiguration": {"Rules": []}, "BucketEncryption": {"ServerSideEncryptionConfiguration": []}, "LoggingConfiguration": {}}
    apply_bucket_configuration(s3, "docs", {"LoggingConfiguration": None}, previous)
    s3.delete_bucket_lifecycle.assert_called_once_with(Bucket="docs")
    s3.delete_bucket_encryption.assert_called_once_with(Bucket="docs")


def test_apply_other_delete_errors_propagate():
    s3 = MagicMock()
    s3.delete_bucket_encryption.side_effect = _no_such("AccessDenied")
    with pytest.raises(ClientError):
        apply_bucket_configuration(s3, "docs", {}, {"BucketEncryption": {"x": 1}})


def test_apply_logging_removed_turns_logging_off():
    s3 = MagicMock()
    apply_bucket_configuration(s3, "docs", {}, {"LoggingConfiguration": {"DestinationBucketName": "logs"}})
    s3.put_bucket_logging.assert_called_once_with(Bucket="docs", BucketLoggingStatus={})


# -- Object Lock on an existing bucket ------------------------------------------------------------


def test_object_lock_enabled_does_not_decide_replacement_of_a_bucket():
    from types import SimpleNamespace

    from localstack_backup_ext.cfn_s3_bucket import _requires_replacement, without_updatable

    lock, name = SimpleNamespace(name="ObjectLockEnabled"), SimpleNamespace(name="BucketName")
    assert without_updatable("AWS::S3::Bucket", [lock, name]) == [name]
    assert without_updatable("AWS::Other::Thing", [lock, name]) == [lock, name]
    seen = []
    original = lambda self, node, resource_type: seen.append([p.name for p in node.properties]) or False  # noqa: E731
    _requires_replacement(original, None, SimpleNamespace(properties=[lock, name]), SimpleNamespace(value="AWS::S3::Bucket"))
    _requires_replacement(original, None, SimpleNamespace(properties=[lock]), SimpleNamespace(value="AWS::SQS::Queue"))
    assert seen == [["BucketName"], ["ObjectLockEnabled"]]


def test_an_update_that_adds_object_lock_enables_it_with_or_without_a_default_retention():
    from localstack_backup_ext.cfn_s3_bucket import _apply_update_of_builtin_properties

    provider = MagicMock()
    s3 = MagicMock()
    rule = {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}}
    _apply_update_of_builtin_properties(provider, s3, "b", {"ObjectLockEnabled": True, "ObjectLockConfiguration": rule}, {})
    s3.put_object_lock_configuration.assert_called_once_with(Bucket="b", ObjectLockConfiguration=rule)
    s3.reset_mock()
    _apply_update_of_builtin_properties(provider, s3, "b", {"ObjectLockEnabled": "true"}, {})
    s3.put_object_lock_configuration.assert_called_once_with(Bucket="b", ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    s3.reset_mock()
    _apply_update_of_builtin_properties(provider, s3, "b", {"ObjectLockEnabled": True}, {"ObjectLockEnabled": True})
    s3.put_object_lock_configuration.assert_not_called()
