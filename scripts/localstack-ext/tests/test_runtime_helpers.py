"""gateway_bind's endpoint, the resource catalog's answer, the node executor's binary and heap flags."""

import os
import stat

import pytest

from localstack_backup_ext import cfn_resource_catalog, gateway_bind
from localstack_backup_ext.node_env import node_binary_for, v8_heap_flags


# -- gateway_bind ------------------------------------------------------------------------------


def test_ipv4_endpoint_binds_the_given_address_not_every_interface():
    from twisted.internet import endpoints

    endpoint = gateway_bind.listen_endpoint("127.0.0.1", 4566)
    assert isinstance(endpoint, endpoints.TCP4ServerEndpoint)
    assert (endpoint._interface, endpoint._port) == ("127.0.0.1", 4566)


def test_ipv6_endpoint_binds_the_given_address():
    from twisted.internet import endpoints

    endpoint = gateway_bind.listen_endpoint("::1", 4567)
    assert isinstance(endpoint, endpoints.TCP6ServerEndpoint)
    assert (endpoint._interface, endpoint._port) == ("::1", 4567)


# -- cfn_resource_catalog ----------------------------------------------------------------------


def test_runtime_status_available_only_for_types_with_a_provider():
    from localstack.utils.catalog.common import (
        CloudFormationResourcesSupportAtRuntime,
        CloudFormationResourcesSupportInLatest,
    )

    available = frozenset({"AWS::S3::Bucket", "AWS::Lambda::Function"})
    assert cfn_resource_catalog.runtime_status("AWS::S3::Bucket", available) == CloudFormationResourcesSupportAtRuntime.AVAILABLE
    assert cfn_resource_catalog.runtime_status("AWS::AppSync::GraphQLApi", available) == CloudFormationResourcesSupportInLatest.NOT_SUPPORTED
    assert cfn_resource_catalog.runtime_status("AWS::S3::Bucket", frozenset()) == CloudFormationResourcesSupportInLatest.NOT_SUPPORTED


# -- local-node executor: heap flags -----------------------------------------------------------


@pytest.mark.parametrize(
    ("memory", "semi", "old"),
    [(1024, 51, 922), (128, 6, 116), (3008, 150, 2708), (10240, 512, 9216)],
)
def test_heap_flags_follow_awss_bootstrap(memory, semi, old):
    assert v8_heap_flags(memory, None) == [f"--max-semi-space-size={semi}", f"--max-old-space-size={old}"]


@pytest.mark.parametrize(
    "node_options",
    ["--max-old-space-size=512", "--max_old_space_size=512", "--enable-source-maps --max-semi-space-size=8", "--max_semi_space_size=8"],
)
def test_no_heap_flags_when_node_options_sets_a_limit(node_options):
    assert v8_heap_flags(1024, node_options) == []


def test_heap_flags_kept_when_node_options_sets_something_else():
    assert v8_heap_flags(1024, "--enable-source-maps") == ["--max-semi-space-size=51", "--max-old-space-size=922"]


@pytest.mark.parametrize("memory", [None, 0, -1])
def test_no_heap_flags_without_a_memory_size(memory):
    assert v8_heap_flags(memory, None) == []


# -- local-node executor: node binary ----------------------------------------------------------


def _executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("LOCAL_LAMBDA_NODE_BINARY"):
            monkeypatch.delenv(name)
    return monkeypatch


def test_runtime_specific_binary_wins(tmp_path, clean_env):
    specific = _executable(tmp_path / "node24")
    clean_env.setenv("LOCAL_LAMBDA_NODE_BINARY_NODEJS24X", specific)
    clean_env.setenv("LOCAL_LAMBDA_NODE_BINARY", _executable(tmp_path / "node-any"))
    assert node_binary_for("nodejs24.x") == specific


def test_generic_binary_for_other_runtimes(tmp_path, clean_env):
    clean_env.setenv("LOCAL_LAMBDA_NODE_BINARY_NODEJS24X", _executable(tmp_path / "node24"))
    generic = _executable(tmp_path / "node-any")
    clean_env.setenv("LOCAL_LAMBDA_NODE_BINARY", generic)
    assert node_binary_for("nodejs22.x") == generic


def test_node_on_path_when_nothing_is_configured(tmp_path, clean_env):
    _executable(tmp_path / "node")
    clean_env.setenv("PATH", str(tmp_path))
    assert node_binary_for("nodejs24.x") == str(tmp_path / "node")


def test_no_binary_is_a_lambda_runtime_error_naming_the_variable(tmp_path, clean_env):
    from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException

    clean_env.setenv("PATH", str(tmp_path))
    clean_env.setenv("LOCAL_LAMBDA_NODE_BINARY", str(tmp_path / "missing"))
    with pytest.raises(LambdaRuntimeException, match="LOCAL_LAMBDA_NODE_BINARY"):
        node_binary_for("nodejs24.x")
