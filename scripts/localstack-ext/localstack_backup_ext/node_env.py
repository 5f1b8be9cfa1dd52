"""The local-node executor's pure helpers: which node binary runs a runtime, with which V8 heap flags.

Import-light (the standard library only), so their unit tests need no LocalStack.
"""

import os
import re
import shutil


def node_binary_for(runtime: str | None) -> str:
    """The node binary for a Lambda runtime, from the launcher's environment variables."""
    suffix = re.sub(r"[^A-Z0-9]", "", (runtime or "").upper())
    configured = os.environ.get(f"LOCAL_LAMBDA_NODE_BINARY_{suffix}") or os.environ.get(
        "LOCAL_LAMBDA_NODE_BINARY"
    )
    binary = configured or shutil.which("node")
    if not binary or not (os.path.isfile(binary) or shutil.which(binary)):
        from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException

        raise LambdaRuntimeException(
            f"local-node executor: no node binary for {runtime} (set LOCAL_LAMBDA_NODE_BINARY)"
        )
    return binary


_HEAP_FLAG_NAMES = ("max-old-space-size", "max_old_space_size", "max-semi-space-size", "max_semi_space_size")


def v8_heap_flags(memory_size_mb: int | None, node_options: str | None) -> list[str]:
    """The V8 heap limits AWS's managed Node.js runtimes give the handler process, from MemorySize.

    Why: without them V8 sizes the heap for this host (a 24 GB machine gets a ~4 GB heap limit, the
    largest young generation and V8's most generous heap-growing factor), so the handler's memory keeps
    climbing with its run time here, while on AWS the same code runs under limits set from MemorySize.

    What AWS does, in /var/runtime/bootstrap of its nodejs runtime images (aws/aws-lambda-base-images,
    e.g. nodejs14.x and nodejs18.x): new_space = MemorySize / 10, semi_space = new_space / 2,
    old_space = MemorySize - new_space, passed as ``--max-semi-space-size=<semi>
    --max-old-space-size=<old>`` (MB, integer division). The nodejs24.x bootstrap still starts from
    new_space = MemorySize / 10, and adds the rule kept here: no flag at all when the function's
    NODE_OPTIONS sets either limit (either spelling).
    """
    if not memory_size_mb or memory_size_mb <= 0:
        return []
    if node_options and any(name in node_options for name in _HEAP_FLAG_NAMES):
        return []
    new_space = memory_size_mb // 10
    semi_space = new_space // 2
    old_space = memory_size_mb - new_space
    return [f"--max-semi-space-size={semi_space}", f"--max-old-space-size={old_space}"]
