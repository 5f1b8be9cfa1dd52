"""Entry points LocalStack discovers through plux; kept import-light so discovery stays cheap."""

import importlib
import logging
import os
import signal
import threading
import time

from localstack.runtime import hooks
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin

from localstack_backup_ext.registry import DISABLEABLE, EXECUTOR_NAME, PATCH_NAMES, disabled_names

LOG = logging.getLogger(__name__)


class NodeProcessExecutorPlugin(RuntimeExecutorPlugin):
    """Community LocalStack ships only the Docker executor; this one needs no container engine.

    LOCALSTACK_EXT_DISABLE=local-node gives LocalStack's own Docker executor instead (stock 4.14), to show
    what fails without this one.
    """

    name = EXECUTOR_NAME

    def load(self, *args, **kwargs):
        if EXECUTOR_NAME in disabled_names(os.environ.get("LOCALSTACK_EXT_DISABLE")):
            from localstack.services.lambda_.invocation.docker_runtime_executor import DockerRuntimeExecutor

            LOG.warning("localstack-backup-ext: %s disabled, Lambda runs on LocalStack's Docker executor", EXECUTOR_NAME)
            return DockerRuntimeExecutor
        from localstack_backup_ext.node_executor import NodeProcessExecutor

        return NodeProcessExecutor


def apply_enabled(disable: str | None) -> list[str]:
    """Import and apply every patch module not named in ``disable`` (LOCALSTACK_EXT_DISABLE's syntax).

    The order is registry.PATCH_NAMES, but any other gives the same result: each module imports nothing
    from LocalStack until applied, and wrappers of one function chain in registry order (patching.Chain).
    """
    disabled = disabled_names(disable)
    if unknown := sorted(disabled - set(DISABLEABLE)):
        LOG.warning(
            "localstack-backup-ext: LOCALSTACK_EXT_DISABLE names unknown patches %s (known: %s)",
            ", ".join(unknown),
            ", ".join(DISABLEABLE),
        )
    applied = []
    for name in PATCH_NAMES:
        if name not in disabled:
            importlib.import_module(f"localstack_backup_ext.{name}").PATCHES.apply()
            applied.append(name)
    return applied


# Before every other start hook: EAGER_SERVICE_LOADING builds each service's dispatch table from the
# provider's bound methods at load time, so API patches (lambda_kms_key) must be in place by then.
@hooks.on_infra_start(priority=100)
def apply_patches() -> None:
    """Apply the CloudFormation/Lambda parity patches before any request is served.

    LOCALSTACK_EXT_DISABLE=cfn_s3_bucket,cfn_logs,... leaves named patches out (registry.DISABLEABLE), to
    show that a spec fails without its patch (and to compare against stock 4.14 when debugging).
    """
    applied = apply_enabled(os.environ.get("LOCALSTACK_EXT_DISABLE"))
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
