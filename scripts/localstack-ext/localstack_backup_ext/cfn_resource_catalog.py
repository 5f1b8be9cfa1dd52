"""CloudFormation refuses only the resource types this LocalStack cannot deploy, also offline.

Why: with CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=0 (an unsupported type must fail the deploy, not be skipped),
LocalStack 4.14 asks its service catalog about every resource type. The catalog loads LocalStack's remote
support data first; offline that fails and it falls back to AwsCatalogRuntimePlugin, whose answer is None for
every type, so every resource of every template is reported "not supported". The patch answers from what this
runtime really has: the CloudFormation resource providers it can load.
"""

from functools import cache

from localstack_backup_ext.patching import LazyPatches

CATALOG = "localstack.utils.catalog.catalog:AwsCatalogRuntimePlugin"


def runtime_status(resource_name: str, available: frozenset[str]):
    """AVAILABLE for a type with a resource provider in this runtime, else not supported."""
    from localstack.utils.catalog.common import (
        CloudFormationResourcesSupportAtRuntime,
        CloudFormationResourcesSupportInLatest,
    )

    if resource_name in available:
        return CloudFormationResourcesSupportAtRuntime.AVAILABLE
    return CloudFormationResourcesSupportInLatest.NOT_SUPPORTED


@cache
def _available() -> frozenset[str]:
    from localstack.utils.catalog.catalog import AwsCatalogRuntimePlugin

    return frozenset(AwsCatalogRuntimePlugin._get_cfn_resources_available_at_runtime())


def _get_cloudformation_resource_status(fn, self, resource_name, service_name, is_pro_resource=False):
    return runtime_status(resource_name, _available())


PATCHES = LazyPatches(
    "cfn_resource_catalog", [(CATALOG, "get_cloudformation_resource_status", _get_cloudformation_resource_status)]
)
