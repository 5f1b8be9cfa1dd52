"""Send Lambda logs to the function's LoggingConfig.LogGroup.

Why: LocalStack 4.14 stores the LoggingConfig but always writes invocation logs (and sets
AWS_LAMBDA_LOG_GROUP_NAME) for ``/aws/lambda/<function name>``. A stack that creates its own log group
(with retention and a KMS key) and points the function at it would find that group empty.
"""

from localstack_backup_ext.patching import LazyPatches


def _get_log_group_name(fn, self) -> str:
    logging_config = self.function_version.config.logging_config or {}
    return logging_config.get("LogGroup") or fn(self)


PATCHES = LazyPatches(
    "lambda_logging",
    [("localstack.services.lambda_.invocation.execution_environment:ExecutionEnvironment", "get_log_group_name", _get_log_group_name)],
)
