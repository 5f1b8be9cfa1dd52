"""Patches are import-light, order-independent, and chain explicitly where two wrap one function."""

import importlib
import itertools
import logging
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock

import pytest

from localstack_backup_ext import patching
from localstack_backup_ext.patching import LazyPatches
from localstack_backup_ext.registry import DISABLEABLE, EXECUTOR_NAME, PATCH_NAMES, disabled_names

PACKAGE = Path(__file__).resolve().parent.parent / "localstack_backup_ext"


def _module(name):
    return importlib.import_module(f"localstack_backup_ext.{name}")


# -- the registry ------------------------------------------------------------------------------


def test_registry_lists_exactly_the_modules_that_define_patches():
    defining = sorted(p.stem for p in PACKAGE.glob("*.py") if re.search(r"^PATCHES = ", p.read_text(), re.M))
    assert sorted(PATCH_NAMES) == defining
    assert len(set(PATCH_NAMES)) == len(PATCH_NAMES)
    assert DISABLEABLE == (*PATCH_NAMES, EXECUTOR_NAME)


def test_disable_value_parsing():
    assert disabled_names(" cfn_tags, ,local-node,") == {"cfn_tags", "local-node"}
    assert disabled_names(None) == set() and disabled_names("") == set()


def test_patch_modules_import_nothing_from_localstack():
    code = "\n".join(
        [f"import localstack_backup_ext.{name}" for name in PATCH_NAMES]
        + [
            "import localstack_backup_ext.node_env, localstack_backup_ext.patching",
            "import sys",
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('localstack', 'botocore', 'boto3', 'twisted', 'moto', 'rolo')))",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PACKAGE.parent, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- chains on a class of our own --------------------------------------------------------------


class Service:
    def handle(self, value):
        return [f"stock:{value}"]


def _wrapper(tag):
    def wrap(fn, self, value):
        return [f"{tag}<", *fn(self, value), f">{tag}"]

    return wrap


@pytest.fixture
def two_patches():
    stock = Service.handle
    first = LazyPatches("zz_test_a", [(Service, "handle", _wrapper("a"))])
    second = LazyPatches("zz_test_b", [(Service, "handle", _wrapper("b"))])
    yield first, second
    first.undo()
    second.undo()
    assert Service.handle is stock


@pytest.mark.parametrize("reverse", [False, True])
def test_two_wrappers_of_one_method_nest_the_same_in_either_order(two_patches, reverse):
    for patches in reversed(two_patches) if reverse else two_patches:
        patches.apply()
    assert Service().handle(1) == ["b<", "a<", "stock:1", ">a", ">b"]
    assert patching.chain_of(Service, "handle").order() == ["zz_test_a", "zz_test_b"]


def test_undoing_one_patch_keeps_the_other(two_patches):
    first, second = two_patches
    first.apply()
    second.apply()
    first.undo()
    assert Service().handle(2) == ["b<", "stock:2", ">b"]
    second.undo()
    assert Service().handle(2) == ["stock:2"]
    assert patching.chain_of(Service, "handle") is None


def test_applying_twice_wraps_once(two_patches):
    first, _ = two_patches
    first.apply()
    first.apply()
    assert Service().handle(3) == ["a<", "stock:3", ">a"]


def test_a_method_bound_before_a_later_patch_sees_it(two_patches):
    first, second = two_patches
    first.apply()
    bound = Service().handle  # a dispatch table built from bound methods, as EAGER_SERVICE_LOADING does
    second.apply()
    assert bound(4) == ["b<", "a<", "stock:4", ">a", ">b"]


def test_original_is_the_function_under_every_wrapper(two_patches):
    stock = Service.handle
    two_patches[0].apply()
    assert patching.original(Service, "handle") is stock
    assert Service.handle is not stock


def test_registry_order_decides_the_nesting():
    assert patching.rank("cfn_tags") < patching.rank("lambda_kms_key") < patching.rank("cfn_lambda")
    assert patching.rank("zz_unknown") > patching.rank(PATCH_NAMES[-1])


# -- the real shared targets: LambdaFunctionProvider.create and update -------------------------

FUNCTION_PATCHES = ("cfn_tags", "lambda_kms_key", "cfn_lambda")


def _success(model):
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    return ProgressEvent(status=OperationStatus.SUCCESS, resource_model=model, custom_context={})


@pytest.fixture
def function_provider(monkeypatch):
    """LambdaFunctionProvider with create/update replaced by stubs that call the Lambda API like 4.14's."""
    from localstack.services.lambda_.resource_providers.aws_lambda_function import LambdaFunctionProvider

    calls = []

    def create(self, request):
        calls.append("create")
        request.aws_client_factory.lambda_.create_function(FunctionName=request.desired_state["FunctionName"])
        return _success({**request.desired_state, "Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn"})

    def update(self, request):
        calls.append("update")
        request.aws_client_factory.lambda_.update_function_configuration(FunctionName="fn", Timeout=3)
        return _success({**request.desired_state, "Arn": "arn:aws:lambda:us-east-1:000000000000:function:fn"})

    monkeypatch.setattr(LambdaFunctionProvider, "create", create)
    monkeypatch.setattr(LambdaFunctionProvider, "update", update)
    provider = object.__new__(LambdaFunctionProvider)
    yield provider, calls, (create, update)
    for name in FUNCTION_PATCHES:
        _module(name).PATCHES.undo()
    assert (LambdaFunctionProvider.create, LambdaFunctionProvider.update) == (create, update)


def _request(desired, previous=None):
    client = MagicMock()
    return SimpleNamespace(
        desired_state=desired,
        previous_state=previous,
        aws_client_factory=SimpleNamespace(lambda_=client),
        custom_context={},
        stack_name="s",
        logical_resource_id="Fn",
    ), client


@pytest.mark.parametrize("order", list(itertools.permutations(FUNCTION_PATCHES)), ids="-".join)
def test_function_update_runs_every_wrapper_whatever_the_order(function_provider, order):
    provider, calls, _ = function_provider
    for name in order:
        _module(name).PATCHES.apply()
    assert patching.chain_of(type(provider), "update").order() == list(FUNCTION_PATCHES)
    request, client = _request(
        {"FunctionName": "fn", "KmsKeyArn": "arn:key:new", "ReservedConcurrentExecutions": "5", "Tags": [{"Key": "a", "Value": "2"}]},
        {"FunctionName": "fn", "KmsKeyArn": "arn:key:old", "ReservedConcurrentExecutions": 2, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "1"}]},
    )
    provider.update(request)
    assert calls == ["update"]
    # lambda_kms_key: the provider's own UpdateFunctionConfiguration carries the key
    client.update_function_configuration.assert_called_once_with(FunctionName="fn", Timeout=3, KMSKeyArn="arn:key:new")
    # cfn_tags: tag changes applied
    client.untag_resource.assert_called_once_with(Resource="arn:aws:lambda:us-east-1:000000000000:function:fn", TagKeys=["b"])
    client.tag_resource.assert_called_once_with(Resource="arn:aws:lambda:us-east-1:000000000000:function:fn", Tags={"a": "2"})
    # cfn_lambda: the reservation changed
    client.put_function_concurrency.assert_called_once_with(FunctionName="fn", ReservedConcurrentExecutions=5)


@pytest.mark.parametrize("order", [("lambda_kms_key", "cfn_lambda"), ("cfn_lambda", "lambda_kms_key")], ids="-".join)
def test_function_create_runs_both_wrappers_whatever_the_order(function_provider, order):
    provider, calls, _ = function_provider
    for name in order:
        _module(name).PATCHES.apply()
    request, client = _request({"FunctionName": "fn", "KmsKeyArn": "arn:key", "ReservedConcurrentExecutions": 7})
    provider.create(request)
    assert calls == ["create"]
    client.create_function.assert_called_once_with(FunctionName="fn", KMSKeyArn="arn:key")
    client.put_function_concurrency.assert_called_once_with(FunctionName="fn", ReservedConcurrentExecutions=7)


def test_disabling_one_function_patch_leaves_the_others(function_provider):
    provider, _, _ = function_provider
    _module("cfn_tags").PATCHES.apply()
    _module("cfn_lambda").PATCHES.apply()
    request, client = _request(
        {"FunctionName": "fn", "KmsKeyArn": "arn:key:new", "ReservedConcurrentExecutions": 1, "Tags": []},
        {"FunctionName": "fn", "Tags": [{"Key": "a", "Value": "1"}]},
    )
    provider.update(request)
    client.update_function_configuration.assert_called_once_with(FunctionName="fn", Timeout=3)  # no key
    client.untag_resource.assert_called_once()
    client.put_function_concurrency.assert_called_once()


# -- plugins -----------------------------------------------------------------------------------


def test_apply_enabled_leaves_out_the_disabled_and_warns_about_unknown_names(caplog):
    from localstack_backup_ext import plugins

    try:
        with caplog.at_level(logging.WARNING):
            applied = plugins.apply_enabled("cfn_tags, s3_storage,no_such_patch")
        assert applied == [n for n in PATCH_NAMES if n not in ("cfn_tags", "s3_storage")]
        assert "no_such_patch" in caplog.text
        assert not _module("cfn_tags").PATCHES.is_applied and not _module("s3_storage").PATCHES.is_applied
        assert all(_module(n).PATCHES.is_applied for n in applied)
        from localstack.services.s3 import provider

        assert provider.DEFAULT_S3_TMP_DIR == "/tmp/localstack-s3-storage"
    finally:
        for name in PATCH_NAMES:
            _module(name).PATCHES.undo()


def test_s3_storage_points_at_the_instance_tmp_dir_and_undoes():
    from localstack import config
    from localstack.services.s3 import provider

    patches = _module("s3_storage").PATCHES
    patches.apply()
    try:
        assert provider.DEFAULT_S3_TMP_DIR == f"{config.dirs.tmp}/s3-storage"
    finally:
        patches.undo()
    assert provider.DEFAULT_S3_TMP_DIR == "/tmp/localstack-s3-storage"


@pytest.mark.parametrize(("disable", "executor"), [("", "NodeProcessExecutor"), ("local-node", "DockerRuntimeExecutor")])
def test_executor_plugin_honours_disable(monkeypatch, disable, executor):
    from localstack_backup_ext.plugins import NodeProcessExecutorPlugin

    monkeypatch.setenv("LOCALSTACK_EXT_DISABLE", disable)
    assert NodeProcessExecutorPlugin().load().__name__ == executor
