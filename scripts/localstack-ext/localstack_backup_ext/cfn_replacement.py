"""CloudFormation replaces a resource when a create-only property changes through Fn::Sub, Ref or GetAtt.

Why: LocalStack 4.14's change-set model decides replacement from the change type of each create-only
property, but it computes the change type of ``Fn::Sub`` from the template string alone (a changed
parameter inside ``${...}`` reads as unchanged), and of ``Fn::GetAtt`` from template properties only (an
attribute such as ``Arn`` of a replaced resource reads as unchanged). So a parameter update that renames
a log group, function, rule or alias (``!Sub '...-${Environment}'``) runs the provider's *update* with
the new name: the log group keeps its old name and settings, the KMS alias is never renamed, the old rule
stays live next to the new one, and a Lambda permission stays on the deleted function. AWS creates the new
resource, repoints its dependents, then deletes the old one unless its UpdateReplacePolicy is Retain.

The engine already implements that replacement flow; this patch gives it correct change types:

* ``Fn::Sub``: also the parameters and resources its ``${Name}`` / ``${Name.Attribute}`` variables name.
* ``Ref`` / ``Fn::GetAtt`` of a resource: changed when that resource is replaced (or created/removed).
  A resource updated in place keeps its physical id and attributes, so its Ref no longer counts as a
  change (4.14 counted any modification, replacing e.g. an EventInvokeConfig - and so deleting it - on
  every code update of its function).

and keeps the stack's record of a replaced resource right: 4.14's cleanup of the old resource writes its
DELETE_COMPLETE (or DELETE_SKIPPED) over the logical resource, so DescribeStackResources loses the new
function, rule, alias... (and stack deletion would then leave them behind), and the events show the new
physical id as deleted. The cleanup now only records its events, under the old physical id, as AWS does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from localstack_backup_ext.patching import LazyPatches

if TYPE_CHECKING:
    from localstack.services.cloudformation.engine.v2.change_set_model import (
        ChangeSetEntity,
        ChangeSetModel,
        ChangeType,
        NodeResource,
    )
    from localstack.services.cloudformation.engine.v2.change_set_model_executor import ChangeSetModelExecutor

CHANGE_SET_MODEL = "localstack.services.cloudformation.engine.v2.change_set_model:ChangeSetModel"
CHANGE_SET_EXECUTOR = "localstack.services.cloudformation.engine.v2.change_set_model_executor:ChangeSetModelExecutor"

# ${Name} and ${Name.Attribute}; ${!Literal} is an escaped literal.
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


def sub_variables(template: str) -> list[str]:
    """The ``${...}`` variables of a Fn::Sub string, without the escaped ``${!Literal}`` ones."""
    return [match.group(1) for match in _SUB_VARIABLE.finditer(template)]


def _resource_change(node: NodeResource) -> ChangeType:
    """How a Ref/GetAtt of this resource changes: only replacement (or creation/removal) changes it."""
    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeType

    if node.change_type in (ChangeType.CREATED, ChangeType.REMOVED):
        return node.change_type
    return ChangeType.MODIFIED if node.requires_replacement else ChangeType.UNCHANGED


def _is_resource(model: ChangeSetModel, logical_id: str) -> bool:
    from localstack.services.cloudformation.engine.v2.change_set_model import is_nothing

    if logical_id.startswith("AWS::"):
        return False
    if not is_nothing(model._retrieve_parameter_if_exists(parameter_name=logical_id)):
        return False
    return is_nothing(model._retrieve_condition_if_exists(condition_name=logical_id))


def _variable_change(model: ChangeSetModel, variable: str) -> ChangeType:
    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeType, is_nothing

    name, _, attribute = variable.strip().partition(".")
    if name.startswith("AWS::"):
        return ChangeType.UNCHANGED  # pseudo parameters do not change between updates of one stack
    if not attribute:
        parameter = model._retrieve_parameter_if_exists(parameter_name=name)
        if not is_nothing(parameter):
            return parameter.change_type
    return _resource_change(model._retrieve_or_visit_resource(resource_name=name))


def _fn_sub(fn, self: ChangeSetModel, arguments: ChangeSetEntity) -> ChangeType:
    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeType, NodeArray, NodeObject, TerminalValue

    change_type = fn(self, arguments)
    if change_type != ChangeType.UNCHANGED:
        return change_type
    bound: set[str] = set()
    if isinstance(arguments, TerminalValue):
        template = arguments.value
    elif isinstance(arguments, NodeArray) and arguments.array and isinstance(arguments.array[0], TerminalValue):
        template = arguments.array[0].value
        if len(arguments.array) > 1 and isinstance(arguments.array[1], NodeObject):
            bound = set(arguments.array[1].bindings)  # their values' changes are already counted
    else:
        return change_type
    if not isinstance(template, str):
        return change_type
    for variable in sub_variables(template):
        if variable.strip().partition(".")[0] in bound:
            continue
        if _variable_change(self, variable) != ChangeType.UNCHANGED:
            return ChangeType.MODIFIED
    return change_type


def _ref(fn, self: ChangeSetModel, arguments: ChangeSetEntity) -> ChangeType:
    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeType, TerminalValue

    change_type = fn(self, arguments)
    if change_type != ChangeType.MODIFIED or arguments.change_type != ChangeType.UNCHANGED:
        return change_type
    if not isinstance(arguments, TerminalValue) or not isinstance(arguments.value, str):
        return change_type
    if not _is_resource(self, arguments.value):
        return change_type
    return _resource_change(self._retrieve_or_visit_resource(resource_name=arguments.value))


def _get_att(fn, self: ChangeSetModel, arguments: ChangeSetEntity) -> ChangeType:
    from localstack.services.cloudformation.engine.v2.change_set_model import ChangeType, NodeArray, TerminalValue

    change_type = fn(self, arguments)
    if change_type != ChangeType.UNCHANGED or not isinstance(arguments, NodeArray):
        return change_type
    if arguments.change_type != ChangeType.UNCHANGED or not arguments.array:
        return change_type
    logical_id = arguments.array[0]
    if not isinstance(logical_id, TerminalValue) or not isinstance(logical_id.value, str):
        return change_type
    return _resource_change(self._retrieve_or_visit_resource(resource_name=logical_id.value))


_CLEANUP_PREFIX = "cleanup-from-replacement-"


def _defer_action(fn, self: ChangeSetModelExecutor, name: str, action) -> None:
    if not name.startswith(_CLEANUP_PREFIX):
        return fn(self, name, action)
    logical_id = name[len(_CLEANUP_PREFIX) :]
    # Captured now: by the time the cleanup runs, the new resource has taken the logical id over.
    old_physical_id = (self._before_resolved_resources.get(logical_id) or {}).get("PhysicalResourceId")
    stack = self._change_set.stack

    def cleanup() -> None:
        record = stack.set_resource_status

        def events_only(*, logical_resource_id, physical_resource_id, resource_type, status, resource_status_reason=None):
            if logical_resource_id != logical_id:
                return record(
                    logical_resource_id=logical_resource_id,
                    physical_resource_id=physical_resource_id,
                    resource_type=resource_type,
                    status=status,
                    resource_status_reason=resource_status_reason,
                )
            stack._store_event(
                resource_id=logical_id,
                resource_type=resource_type,
                physical_resource_id=old_physical_id or physical_resource_id,
                status=status,
                status_reason=resource_status_reason,
            )

        stack.set_resource_status = events_only  # this stack object only, for this cleanup only
        try:
            action()
        finally:
            del stack.set_resource_status

    return fn(self, name, cleanup)


PATCHES = LazyPatches(
    "cfn_replacement",
    [
        (CHANGE_SET_MODEL, "_resolve_intrinsic_function_fn_sub", _fn_sub),
        (CHANGE_SET_MODEL, "_resolve_intrinsic_function_ref", _ref),
        (CHANGE_SET_MODEL, "_resolve_intrinsic_function_fn_get_att", _get_att),
        (CHANGE_SET_EXECUTOR, "_defer_action", _defer_action),
    ]
)
