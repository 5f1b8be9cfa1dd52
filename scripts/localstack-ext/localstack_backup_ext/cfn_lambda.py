"""AWS::Lambda::Function ReservedConcurrentExecutions and AWS::Lambda::EventInvokeConfig updates.

Why (LocalStack 4.14):

* The function provider never calls PutFunctionConcurrency: ``ReservedConcurrentExecutions`` is ignored
  on create and update, so GetFunctionConcurrency returns nothing and the function is never throttled
  at its reservation.
* The EventInvokeConfig provider's update raises NotImplementedError, which the engine turns into a
  silent no-op: a changed MaximumRetryAttempts, MaximumEventAgeInSeconds or DestinationConfig reports
  UPDATE_COMPLETE while the old settings stay. PutFunctionEventInvokeConfig replaces the whole
  configuration, which is what an update of the resource means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.resource_provider import ProgressEvent, ResourceRequest

FUNCTION_PROVIDER = "localstack.services.lambda_.resource_providers.aws_lambda_function:LambdaFunctionProvider"
INVOKE_CONFIG_PROVIDER = (
    "localstack.services.lambda_.resource_providers.aws_lambda_eventinvokeconfig:LambdaEventInvokeConfigProvider"
)

Props = dict[str, Any]


def _set_concurrency(client, function_name: str, reserved: Any) -> None:
    if reserved is None:
        client.delete_function_concurrency(FunctionName=function_name)
    else:
        client.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=int(reserved))


def _function_create(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    event = fn(self, request)
    model: Props = event.resource_model or {}
    # The provider polls until the function is Active; apply the reservation once, when it reports success.
    if event.status == OperationStatus.SUCCESS and model.get("ReservedConcurrentExecutions") is not None:
        _set_concurrency(request.aws_client_factory.lambda_, model["FunctionName"], model["ReservedConcurrentExecutions"])
    return event


def _function_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus

    event = fn(self, request)
    desired = request.desired_state.get("ReservedConcurrentExecutions")
    previous = (request.previous_state or {}).get("ReservedConcurrentExecutions")
    if event.status == OperationStatus.SUCCESS and desired != previous:
        name = (event.resource_model or {}).get("FunctionName") or request.previous_state["FunctionName"]
        _set_concurrency(request.aws_client_factory.lambda_, name, desired)
    return event


_INT_PROPERTIES = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")


def invoke_config_params(desired: Props) -> Props:
    """PutFunctionEventInvokeConfig's parameters from the resource's properties (the whole configuration)."""
    params = {k: v for k, v in desired.items() if k != "Id" and v is not None}
    for key in _INT_PROPERTIES:
        if key in params:
            params[key] = int(params[key])
    return params


def _invoke_config_update(fn, self, request: ResourceRequest) -> ProgressEvent:
    from localstack.services.cloudformation.resource_provider import OperationStatus, ProgressEvent

    previous: Props = request.previous_state or {}
    params = invoke_config_params(request.desired_state)
    request.aws_client_factory.lambda_.put_function_event_invoke_config(**params)
    return ProgressEvent(
        status=OperationStatus.SUCCESS,
        resource_model={**params, "Id": previous.get("Id")},
        custom_context=request.custom_context,
    )


PATCHES = LazyPatches(
    "cfn_lambda",
    [
        (FUNCTION_PROVIDER, "create", _function_create),
        (FUNCTION_PROVIDER, "update", _function_update),
        (INVOKE_CONFIG_PROVIDER, "update", _invoke_config_update),
    ]
)
