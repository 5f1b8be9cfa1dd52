"""The names LOCALSTACK_EXT_DISABLE accepts, in one place (no imports: read by plugins, patching and the specs).

``PATCH_NAMES`` are the patch modules of this package. Their order is the chain order of the functions
two of them wrap (see ``patching``): an earlier name wraps closer to LocalStack's own function. It is *not*
an application order: patches may be imported and applied in any order with the same result.
``EXECUTOR_NAME`` is the Lambda runtime executor; disabling it gives LocalStack's own Docker executor.

specs/integration/localstack-ext/patches-proven.spec.ts reads this list: every name must have a spec that
fails without it.
"""

PATCH_NAMES: tuple[str, ...] = (
    "gateway_bind",
    "s3_storage",
    "cfn_resource_catalog",
    "cfn_s3_bucket",
    "cfn_logs",
    "cfn_tags",
    "lambda_logging",
    "cfn_replacement",
    "lambda_kms_key",
    "cfn_lambda",
    "cfn_sns_topic",
    "s3_list_versions",
    "s3_object_lock_policy",
)

EXECUTOR_NAME = "local-node"

DISABLEABLE: tuple[str, ...] = (*PATCH_NAMES, EXECUTOR_NAME)


def disabled_names(value: str | None) -> set[str]:
    """The names in a LOCALSTACK_EXT_DISABLE value (comma-separated, blanks ignored)."""
    return {name.strip() for name in (value or "").split(",") if name.strip()}
