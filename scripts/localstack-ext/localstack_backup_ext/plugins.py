"""Entry points LocalStack discovers through plux; kept import-light so discovery stays cheap."""

import logging
import os
import signal
import threading
import time

from localstack.runtime import hooks
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

LOG = logging.getLogger(__name__)

EXECUTOR_NAME = "local-node"


class NodeProcessExecutorPlugin(RuntimeExecutorPlugin):
    """Community LocalStack ships only the Docker executor; this one needs no container engine."""

    name = EXECUTOR_NAME

    def load(self, *args, **kwargs):
        from localstack_backup_ext.node_executor import NodeProcessExecutor

        return NodeProcessExecutor


# Before every other start hook: EAGER_SERVICE_LOADING builds each service's dispatch table from the
# provider's bound methods at load time, so API patches (lambda_kms_key) must be in place by then.
@hooks.on_infra_start(priority=100)
def apply_patches() -> None:
    """Apply the CloudFormation/Lambda parity patches before any request is served.

    LOCALSTACK_EXT_DISABLE=cfn_s3_bucket,cfn_logs,... leaves named patches out, to show that a spec
    fails without its patch (and to compare against stock 4.14 when debugging).
    """
    from localstack_backup_ext import (
        cfn_lambda,
        cfn_logs,
        cfn_replacement,
        cfn_resource_catalog,
        cfn_s3_bucket,
        cfn_sns_topic,
        cfn_tags,
        gateway_bind,
        lambda_kms_key,
        lambda_logging,
        s3_list_versions,
        s3_storage,
    )

    disabled = {n.strip() for n in os.environ.get("LOCALSTACK_EXT_DISABLE", "").split(",") if n.strip()}
    applied = []
    # Order matters where two patches wrap the same function (LambdaFunctionProvider.update: cfn_tags,
    # then lambda_kms_key and cfn_lambda, which build their patches when applied and so chain).
    modules = (
        gateway_bind,
        s3_storage,
        cfn_resource_catalog,
        cfn_s3_bucket,
        cfn_logs,
        cfn_tags,
        lambda_logging,
        cfn_replacement,
        lambda_kms_key,
        cfn_lambda,
        cfn_sns_topic,
        s3_list_versions,
    )
    for module in modules:
        name = module.__name__.rsplit(".", 1)[-1]
        if name not in disabled:
            module.PATCHES.apply()
            applied.append(name)
    LOG.info("localstack-backup-ext: patches applied: %s", ", ".join(applied) or "none")


@hooks.on_infra_start(should_load=lambda: os.environ.get("LOCALSTACK_EXIT_WITH_PARENT") == "1")
def exit_with_parent() -> None:
    """Stop LocalStack when the process that launched it is gone.

    The launcher runs LocalStack in its own process group so it can stop it with its Lambda processes;
    that also shields it from the launcher's Ctrl-C. Exit handlers cover normal exits and signals, but a
    SIGKILLed test runner would leave an orphan on its port; this watchdog closes that gap.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        LOG.warning("localstack-backup-ext: launcher (pid %s) is gone, shutting down", parent)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
