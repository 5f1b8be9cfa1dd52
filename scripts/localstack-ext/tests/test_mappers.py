"""Pure mappers and small helpers of the CloudFormation, Logs, Lambda and S3 patches."""

from types import SimpleNamespace
from unittest.mock import MagicMock

from localstack_backup_ext import cfn_lambda, cfn_logs, cfn_replacement, cfn_tags, lambda_kms_key, s3_list_versions


# -- tags --------------------------------------------------------------------------------------


def test_tags_list_to_dict_and_absent_tags():
    assert cfn_tags._tags({"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}) == {"a": "1", "b": "2"}
    assert cfn_tags._tags({}) == {} and cfn_tags._tags({"Tags": None}) == {}


def test_removed_and_current_on_update():
    desired = {"Tags": [{"Key": "env", "Value": "prod"}]}
    previous = {"Tags": [{"Key": "env", "Value": "dev"}, {"Key": "old", "Value": "x"}]}
    assert cfn_tags._removed_and_current(desired, previous) == (["old"], {"env": "prod"})


def test_removed_and_current_unchanged_puts_nothing():
    tags = {"Tags": [{"Key": "env", "Value": "dev"}]}
    assert cfn_tags._removed_and_current(tags, tags) == ([], {})
    assert cfn_tags._removed_and_current({}, None) == ([], {})


def test_sync_tags_untags_removed_and_tags_changed_in_service_shape():
    client = MagicMock()
    cfn_tags._sync_tags(client, "arn:rule", {"Tags": [{"Key": "a", "Value": "2"}]}, {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "1"}]})
    client.untag_resource.assert_called_once_with(ResourceARN="arn:rule", TagKeys=["b"])
    client.tag_resource.assert_called_once_with(ResourceARN="arn:rule", Tags=[{"Key": "a", "Value": "2"}])


def test_sync_tags_on_create_without_tags_calls_nothing():
    client = MagicMock()
    cfn_tags._sync_tags(client, "arn:alarm", {}, None)
    client.untag_resource.assert_not_called()
    client.tag_resource.assert_not_called()


# -- logs --------------------------------------------------------------------------------------


def test_log_group_tag_changes():
    assert cfn_logs.tag_changes({"Tags": [{"Key": "a", "Value": "1"}]}, {"Tags": [{"Key": "b", "Value": "1"}]}) == (["b"], {"a": "1"})
    assert cfn_logs.tag_changes({"Tags": [{"Key": "a", "Value": "1"}]}, {"Tags": [{"Key": "a", "Value": "1"}]}) == ([], {})


def test_log_group_retention_set_as_int_or_deleted():
    logs = MagicMock()
    cfn_logs._retention(logs, "/g", "30")
    logs.put_retention_policy.assert_called_once_with(logGroupName="/g", retentionInDays=30)
    cfn_logs._retention(logs, "/g", None)
    logs.delete_retention_policy.assert_called_once_with(logGroupName="/g")


# -- lambda ------------------------------------------------------------------------------------


def test_concurrency_put_as_int_or_deleted():
    client = MagicMock()
    cfn_lambda._set_concurrency(client, "fn", "5")
    client.put_function_concurrency.assert_called_once_with(FunctionName="fn", ReservedConcurrentExecutions=5)
    cfn_lambda._set_concurrency(client, "fn", None)
    client.delete_function_concurrency.assert_called_once_with(FunctionName="fn")


def test_invoke_config_params_whole_configuration_without_id():
    desired = {
        "Id": "abc",
        "FunctionName": "fn",
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": "0",
        "MaximumEventAgeInSeconds": "3600",
        "DestinationConfig": None,
    }
    assert cfn_lambda.invoke_config_params(desired) == {
        "FunctionName": "fn",
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        "MaximumEventAgeInSeconds": 3600,
    }


def test_function_arn_located_with_and_without_qualifier():
    assert lambda_kms_key._locate("arn:aws:lambda:eu-west-1:123456789012:function:backup") == ("123456789012", "eu-west-1", "backup")
    assert lambda_kms_key._locate("arn:aws:lambda:eu-west-1:123456789012:function:backup:3") == ("123456789012", "eu-west-1", "backup")


def test_kms_key_rendered_or_removed():
    assert lambda_kms_key._render({"FunctionName": "f"}, "arn:key") == {"FunctionName": "f", "KMSKeyArn": "arn:key"}
    assert lambda_kms_key._render({"FunctionName": "f", "KMSKeyArn": "stale"}, None) == {"FunctionName": "f"}


def test_lambda_client_adds_parameters_only_to_its_operation_and_function():
    inner = MagicMock()
    client = lambda_kms_key._LambdaClient(inner, "create_function", "fn", {"KMSKeyArn": "arn:key"})
    client.create_function(FunctionName="fn", Runtime="nodejs24.x")
    inner.create_function.assert_called_once_with(FunctionName="fn", Runtime="nodejs24.x", KMSKeyArn="arn:key")
    client.create_function(FunctionName="other")
    inner.create_function.assert_called_with(FunctionName="other")
    client.get_function(FunctionName="fn")
    inner.get_function.assert_called_once_with(FunctionName="fn")


def test_client_factory_wraps_only_lambda():
    factory = SimpleNamespace(lambda_="raw", s3="s3-client")
    wrapped = lambda_kms_key._ClientFactory(factory, "wrapped-lambda")
    assert wrapped.lambda_ == "wrapped-lambda" and wrapped.s3 == "s3-client"


# -- replacement -------------------------------------------------------------------------------


def test_sub_variables_skip_escaped_literals():
    template = "arn:${AWS::Partition}:logs:${AWS::Region}:x:/aws/${Environment}-${Fn.Arn}-${!Literal}"
    assert cfn_replacement.sub_variables(template) == ["AWS::Partition", "AWS::Region", "Environment", "Fn.Arn"]
    assert cfn_replacement.sub_variables("no variables") == []


# -- S3 ListObjectVersions ---------------------------------------------------------------------


def test_list_versions_answered_only_for_never_versioned_simple_listings():
    answers = s3_list_versions.answers_from_key_listing
    assert answers(None, {"max_keys": 2})
    assert answers(None, {"version_id_marker": "null", "key_marker": "a"})
    assert not answers("Enabled", {})
    assert not answers("Suspended", {})
    assert not answers(None, {"delimiter": "/"})
    assert not answers(None, {"encoding_type": "url"})
    assert not answers(None, {"version_id_marker": "3HL4kqtJlcpXroDTDmJ"})


def _obj(key: str, **extra):
    return {"Key": key, "ETag": f'"{key}"', "Size": 1, "LastModified": "t", **extra}


def test_versions_page_truncated_sets_next_markers():
    listed = {"Contents": [_obj("a"), _obj("b", StorageClass="GLACIER", ChecksumAlgorithm=["SHA256"])], "IsTruncated": True}
    page = s3_list_versions.versions_page("docs", listed, {"max_keys": 2, "prefix": "", "key_marker": "0"})
    assert [v["Key"] for v in page["Versions"]] == ["a", "b"]
    assert all(v["VersionId"] == "null" and v["IsLatest"] for v in page["Versions"])
    assert page["Versions"][0]["StorageClass"] == "STANDARD"
    assert page["Versions"][1]["StorageClass"] == "GLACIER" and page["Versions"][1]["ChecksumAlgorithm"] == ["SHA256"]
    assert page["IsTruncated"] is True
    assert (page["NextKeyMarker"], page["NextVersionIdMarker"]) == ("b", "null")
    assert (page["Name"], page["MaxKeys"], page["Prefix"], page["KeyMarker"]) == ("docs", 2, "", "0")
    assert "VersionIdMarker" not in page


def test_versions_page_last_page_has_no_next_markers_and_default_max_keys():
    page = s3_list_versions.versions_page("docs", {"Contents": [_obj("z")], "IsTruncated": False}, {})
    assert page["IsTruncated"] is False and "NextKeyMarker" not in page and page["MaxKeys"] == 1000


def test_versions_page_empty_bucket():
    page = s3_list_versions.versions_page("docs", {}, {"max_keys": 5})
    assert page["Versions"] == [] and page["IsTruncated"] is False


def test_list_object_versions_pages_from_list_objects_v2():
    provider = MagicMock()
    provider._get_cross_account_bucket.return_value = (None, SimpleNamespace(versioning_status=None))
    provider.list_objects_v2.return_value = {"Contents": [_obj("b")], "IsTruncated": False}
    fn = MagicMock()
    page = s3_list_versions._list_object_versions(fn, provider, "ctx", "docs", max_keys=1, key_marker="a")
    fn.assert_not_called()
    provider.list_objects_v2.assert_called_once_with("ctx", "docs", max_keys=1, prefix=None, start_after="a", fetch_owner=True)
    assert [v["Key"] for v in page["Versions"]] == ["b"]


def test_list_object_versions_versioned_bucket_keeps_localstacks_code():
    provider = MagicMock()
    provider._get_cross_account_bucket.return_value = (None, SimpleNamespace(versioning_status="Enabled"))
    fn = MagicMock(return_value="stock")
    assert s3_list_versions._list_object_versions(fn, provider, "ctx", "docs", max_keys=1) == "stock"
    fn.assert_called_once_with(provider, "ctx", "docs", max_keys=1)
    provider.list_objects_v2.assert_not_called()
