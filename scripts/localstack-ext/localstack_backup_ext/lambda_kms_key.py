"""Lambda KMSKeyArn: stored by CreateFunction/UpdateFunctionConfiguration, returned by Get*/List*.

Why: LocalStack 4.14's Lambda has no field for it (``VersionFunctionConfiguration`` comments it out), so
the API accepts ``KMSKeyArn`` and drops it, GetFunction/GetFunctionConfiguration never return it, and the
CloudFormation provider does not even pass the function's ``KmsKeyArn`` on create or update. A template
that encrypts its function's environment with its own key cannot be checked at all.

The key is kept per function version on LocalStack's own ``Function`` object (so a re-created function
starts without one), copied to versions when they are published, and rendered by ``map_config_out`` (the
one place every configuration response is built). The CloudFormation provider passes ``KmsKeyArn`` to the
API calls it makes (its client is wrapped for that one request and function).
Nothing is encrypted with the key (LocalStack does not encrypt environment variables).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest
    from localstack.services.lambda_.provider import LambdaProvider

API_UTILS = "localstack.services.lambda_.api_utils"
LAMBDA_PROVIDER = "localstack.services.lambda_.provider:LambdaProvider"
FUNCTION_PROVIDER = "localstack.services.lambda_.resource_providers.aws_lambda_function:LambdaFunctionProvider"

_ATTRIBUTE = "backup_ext_kms_key_arns"  # {qualifier: key ARN} on localstack's Function model


def _keys_of(account: str, region: str, function_name: str) -> dict[str, str] | None:
    from localstack.services.lambda_.invocation.lambda_service import lambda_stores

    function = lambda_stores[account][region].functions.get(function_name)
    if function is None:
        return None
    if not hasattr(function, _ATTRIBUTE):
        setattr(function, _ATTRIBUTE, {})
    return getattr(function, _ATTRIBUTE)


def _locate(function_arn: str) -> tuple[str, str, str]:
    # arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]
    parts = function_arn.split(":")
    return parts[4], parts[3], parts[6]


def _render(config: dict, key_arn: str | None) -> dict:
    if key_arn:
        config["KMSKeyArn"] = key_arn
    else:
        config.pop("KMSKeyArn", None)
    return config


# -- the Lambda API ---------------------------------------------------------------------------------


def _map_config_out(fn, version, *args, **kwargs):
    config = fn(version, *args, **kwargs)
    keys = _keys_of(version.id.account, version.id.region, version.id.function_name) or {}
    return _render(config, keys.get(version.id.qualifier))


def _create_function(fn, self: LambdaProvider, context, request):
    result = fn(self, context, request)
    account, region, name = _locate(result["FunctionArn"])
    keys = _keys_of(account, region, name)
    key_arn = request.get("KMSKeyArn") or None
    if keys is not None:
        keys.clear()
        if key_arn:
            from localstack.services.lambda_.invocation.lambda_service import lambda_stores

            function = lambda_stores[account][region].functions[name]
            keys.update({qualifier: key_arn for qualifier in function.versions})  # $LATEST and Publish=True
    return _render(result, key_arn)


def _update_function_configuration(fn, self: LambdaProvider, context, request):
    result = fn(self, context, request)
    if "KMSKeyArn" not in request:
        return result
    account, region, name = _locate(result["FunctionArn"])
    keys = _keys_of(account, region, name)
    key_arn = request.get("KMSKeyArn") or None  # "" reverts to Lambda's default key, as on AWS
    if keys is not None:
        if key_arn:
            keys["$LATEST"] = key_arn
        else:
            keys.pop("$LATEST", None)
    return _render(result, key_arn)


def _create_version_model(fn, self: LambdaProvider, function_name: str, region: str, account_id: str, *args, **kwargs):
    new_version, changed = fn(self, function_name, region, account_id, *args, **kwargs)
    keys = _keys_of(account_id, region, function_name)
    if changed and keys and keys.get("$LATEST"):
        keys[new_version.id.qualifier] = keys["$LATEST"]
    return new_version, changed


# -- the CloudFormation provider -------------------------------------------------------------------


class _LambdaClient:
    """The provider's Lambda client, adding ``extra`` to its ``operation`` calls for one function."""

    def __init__(self, client, operation: str, function_name: str, extra: dict[str, Any]) -> None:
        self._client, self._operation, self._function_name, self._extra = client, operation, function_name, extra

    def __getattr__(self, name: str):
        method = getattr(self._client, name)
        if name != self._operation:
            return method

        def call(**kwargs: Any):
            if kwargs.get("FunctionName") == self._function_name:
                kwargs.update(self._extra)
            return method(**kwargs)

        return call


class _ClientFactory:
    def __init__(self, factory, lambda_client: _LambdaClient) -> None:
        self._factory, self._lambda = factory, lambda_client

    def __getattr__(self, name: str):
        return self._lambda if name == "lambda_" else getattr(self._factory, name)


@contextmanager
def _extra_parameters(request: ResourceRequest, operation: str, function_name: str, extra: dict[str, Any]):
    """Adds ``extra`` to the provider's own ``operation`` request for ``function_name``.

    (Each ``aws_client_factory.lambda_`` access builds a fresh boto client, so botocore event hooks on
    one client would not reach the provider's; the request's factory is wrapped instead.)
    """
    factory = request.aws_client_factory
    request.aws_client_factory = _ClientFactory(
        factory, _LambdaClient(factory.lambda_, operation, function_name, extra)
    )
    try:
        yield
    finally:
        request.aws_client_factory = factory


def _cfn_create(fn, self, request: ResourceRequest) -> ProgressEvent:
    import localstack.services.cloudformation.provider_utils as util
    from localstack.services.lambda_.resource_providers.aws_lambda_function import REPEATED_INVOCATION

    model = request.desired_state
    key_arn = model.get("KmsKeyArn")
    if not key_arn or request.custom_context.get(REPEATED_INVOCATION):
        return fn(self, request)  # later invocations only poll the state
    if not model.get("FunctionName"):
        # the name the provider would generate, so the hook can recognise its request
        model["FunctionName"] = util.generate_default_name(request.stack_name, request.logical_resource_id)
    with _extra_parameters(request, "create_function", model["FunctionName"], {"KMSKeyArn": key_arn}):
        return fn(self, request)


def _cfn_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    desired, previous = request.desired_state, request.previous_state or {}
    key_arn = desired.get("KmsKeyArn") or ""
    if key_arn == (previous.get("KmsKeyArn") or ""):
        return fn(self, request)
    with _extra_parameters(request, "update_function_configuration", previous["FunctionName"], {"KMSKeyArn": key_arn}):
        return fn(self, request)


PATCHES = LazyPatches(
    "lambda_kms_key",
    [
        (API_UTILS, "map_config_out", _map_config_out),
        (LAMBDA_PROVIDER, "create_function", _create_function),
        (LAMBDA_PROVIDER, "update_function_configuration", _update_function_configuration),
        (LAMBDA_PROVIDER, "_create_version_model", _create_version_model),
        (FUNCTION_PROVIDER, "create", _cfn_create),
        (FUNCTION_PROVIDER, "update", _cfn_update),
    ]
)
