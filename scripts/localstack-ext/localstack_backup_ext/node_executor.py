"""Lambda runtime executor that runs Node.js handlers as local child processes.

Why: community LocalStack 4.14 only has the Docker executor, which needs a container engine and
downloads the Lambda runtime-init binary from GitHub. Without both, CreateFunction ends in state Failed
and every stack with an AWS::Lambda::Function fails. This executor needs only a ``node`` binary.

One execution environment = one persistent ``node node_runner.mjs`` process (warm invokes reuse it, as
on AWS). LocalStack starts one environment per concurrent invocation, so concurrency and async
(Event) invocations work unchanged. The executor enforces the function timeout itself (the Docker path
relies on the runtime-init binary for that) and frames logs like the AWS runtime does.

Node binary: ``LOCAL_LAMBDA_NODE_BINARY_<RUNTIME>`` (e.g. ``LOCAL_LAMBDA_NODE_BINARY_NODEJS24X``), else
``LOCAL_LAMBDA_NODE_BINARY``, else ``node`` on PATH. ``LOCAL_LAMBDA_NODE_PATH`` is exposed to handlers
as NODE_PATH (AWS provides the SDK from /var/runtime/node_modules the same way).
"""

import json
import logging
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from localstack_backup_ext.node_env import node_binary_for, v8_heap_flags

LOG = logging.getLogger(__name__)

RUNNER = Path(__file__).with_name("node_runner.mjs")
INIT_TIMEOUT_SECONDS = 10  # AWS's init phase limit for on-demand environments
STOP_GRACE_SECONDS = 2
_VERSION_LOGGED: set[str] = set()


def _log_node_version(binary: str, runtime: str | None) -> None:
    key = f"{runtime}:{binary}"
    if key in _VERSION_LOGGED:
        return
    _VERSION_LOGGED.add(key)
    try:
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as e:
        version = f"unknown ({e})"
    LOG.info("local-node executor: %s functions run on %s (%s)", runtime, binary, version)


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class NodeProcessExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self._env: dict[str, str] = {}
        self._proc: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._messages: queue.Queue[dict] = queue.Queue()
        self._invoke_logs: list[str] = []
        self._logs_lock = threading.Lock()
        self._process_log: deque[str] = deque(maxlen=500)
        self._init_error: dict | None = None
        self._stopped = False

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime = function_version.config.runtime
        if not runtime or not runtime.startswith("nodejs"):
            raise LambdaRuntimeException(
                f"local-node executor runs only nodejs runtimes, not {runtime or 'container images'}"
            )
        _log_node_version(node_binary_for(runtime), runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    def start(self, env_vars: dict[str, str]) -> None:
        runtime = self.function_version.config.runtime
        code_dir = str(self.function_version.config.code.get_unzipped_code_location())
        env = {k: str(v) for k, v in env_vars.items()}
        # LocalStack points AWS_ENDPOINT_URL at itself; a value the function's own environment sets (e.g.
        # a fault-injection proxy in front of LocalStack) wins, as any function variable does on AWS.
        own = self.function_version.config.environment or {}
        if own.get("AWS_ENDPOINT_URL"):
            env["AWS_ENDPOINT_URL"] = str(own["AWS_ENDPOINT_URL"])
        env.update(
            {
                "LAMBDA_TASK_ROOT": code_dir,
                "LAMBDA_RUNTIME_DIR": str(RUNNER.parent),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
                "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            }
        )
        if node_path := os.environ.get("LOCAL_LAMBDA_NODE_PATH"):
            env["NODE_PATH"] = node_path
        self._env = env
        self._spawn()

    def stop(self) -> None:
        self._stopped = True
        self._kill()

    def _spawn(self) -> None:
        """Start the node process and wait for its init phase (handler module import)."""
        binary = node_binary_for(self.function_version.config.runtime)
        parent_sock, child_sock = socket.socketpair()
        env = dict(self._env, LOCAL_LAMBDA_CONTROL_FD=str(child_sock.fileno()))
        self._messages = queue.Queue()
        self._init_error = None
        heap_flags = v8_heap_flags(self.function_version.config.memory_size, env.get("NODE_OPTIONS"))
        try:
            self._proc = subprocess.Popen(
                [binary, *heap_flags, str(RUNNER)],
                cwd=env["LAMBDA_TASK_ROOT"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(child_sock.fileno(),),
            )
        finally:
            child_sock.close()
        self._control = parent_sock
        threading.Thread(
            target=self._read_control,
            args=(parent_sock, self._proc, self._messages),
            daemon=True,
            name=f"lambda-ctl-{self.id}",
        ).start()
        threading.Thread(
            target=self._read_output, args=(self._proc,), daemon=True, name=f"lambda-out-{self.id}"
        ).start()
        try:
            message = self._next_message(time.monotonic() + INIT_TIMEOUT_SECONDS)
        except queue.Empty:
            self._kill()
            self._init_error = {
                "errorType": "Runtime.InitTimeout",
                "errorMessage": f"Init phase did not finish within {INIT_TIMEOUT_SECONDS} seconds",
            }
            return
        if message["type"] == "init_error":
            self._init_error = message["error"]
            self._kill()
        elif message["type"] == "exit":
            self._init_error = {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"Runtime exited with error: exit status {message['code']}",
            }

    def _kill(self) -> None:
        proc, control = self._proc, self._control
        self._proc, self._control = None, None
        if control:
            try:
                control.close()
            except OSError:
                pass
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- I/O threads ---------------------------------------------------------------------------

    def _read_control(
        self, sock: socket.socket, proc: subprocess.Popen, messages: "queue.Queue[dict]"
    ) -> None:
        try:
            with sock.makefile("r", encoding="utf-8") as lines:
                for line in lines:
                    message = json.loads(line)
                    if message["type"] == "log":
                        self._add_log(message["data"])
                    else:
                        messages.put(message)
        except (OSError, ValueError):
            pass
        messages.put({"type": "exit", "code": proc.wait()})

    def _read_output(self, proc: subprocess.Popen) -> None:
        """Output that bypassed the runner's console framing (node warnings, crashes)."""
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            self._process_log.append(line)
            self._add_log(line)

    def _add_log(self, data: str) -> None:
        with self._logs_lock:
            self._invoke_logs.append(data)
            self._process_log.append(data)

    def _next_message(self, deadline: float) -> dict:
        return self._messages.get(timeout=max(0.0, deadline - time.monotonic()))

    # -- invoke --------------------------------------------------------------------------------

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout = int(self.function_version.config.timeout)
        if self._proc is not None and self._proc.poll() is not None:
            self._kill()  # died between invokes
        if self._proc is None and not self._init_error and not self._stopped:
            self._spawn()  # the previous process timed out or crashed: AWS re-inits the sandbox too
        started = time.monotonic()
        with self._logs_lock:
            self._invoke_logs = []

        status, max_memory = "success", None
        if self._init_error:
            error = dict(self._init_error)
            self._init_error = None  # the next invoke re-runs init, as on AWS
            result = InvocationResult(request_id, json.dumps(error).encode(), True, None)
            status = "error"
        else:
            deadline_epoch_ms = int(time.time() * 1000) + timeout * 1000
            message = {
                "type": "invoke",
                "requestId": request_id,
                "payload": payload.get("payload") or "",
                "deadlineMs": deadline_epoch_ms,
                "invokedFunctionArn": payload.get("invoked-function-arn"),
                "traceId": payload.get("trace-id"),
            }
            try:
                self._control.sendall((json.dumps(message) + "\n").encode())
                reply = self._next_message(started + timeout)
            except queue.Empty:
                reply = {"type": "timeout"}
            except (OSError, AttributeError):
                reply = {"type": "exit", "code": self._proc.poll() if self._proc else -1}
            peak = self._peak_memory_mb()  # before _to_result may replace a timed-out process
            result, status, max_memory = self._to_result(request_id, reply, timeout)
            max_memory = peak or max_memory

        duration_ms = (time.monotonic() - started) * 1000
        return InvocationResult(
            request_id,
            result.payload,
            result.is_error,
            self._framed_logs(request_id, duration_ms, status, timeout, max_memory),
        )

    def _to_result(self, request_id: str, reply: dict, timeout: int):
        kind = reply["type"]
        if kind == "result":
            return (
                InvocationResult(request_id, reply["payload"].encode(), False, None),
                "success",
                reply.get("maxMemoryMB"),
            )
        if kind == "error":
            if reply.get("fatal"):
                self._kill()
            return (
                InvocationResult(request_id, json.dumps(reply["error"]).encode(), True, None),
                "error",
                reply.get("maxMemoryMB"),
            )
        if kind == "timeout":
            # Same shape the Lambda runtime-init reports: the sandbox is reset afterwards.
            self._kill()
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            }
            return InvocationResult(request_id, json.dumps(error).encode(), True, None), "timeout", None
        self._kill()
        error = {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {reply.get('code')}",
        }
        return InvocationResult(request_id, json.dumps(error).encode(), True, None), "error", None

    def _peak_memory_mb(self) -> int | None:
        """Peak resident memory of the handler process (VmHWM), what AWS reports as Max Memory Used.

        Like AWS's figure it covers the execution environment's life so far, not just this invoke.
        None where /proc is not available; the runner's own RSS reading is used then.
        """
        proc = self._proc
        if proc is None:
            return None
        try:
            with open(f"/proc/{proc.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        kib = int(line.split()[1])
                        return max(1, -(-kib // 1024))  # MB, rounded up
        except (OSError, ValueError, IndexError):
            pass
        return None

    def _framed_logs(
        self, request_id: str, duration_ms: float, status: str, timeout: int, max_memory: int | None
    ) -> str:
        """Application output wrapped in the platform lines AWS writes around every invoke."""
        with self._logs_lock:
            body = "".join(self._invoke_logs)
            self._invoke_logs = []
        if body and not body.endswith("\n"):
            body += "\n"
        metrics = {
            "durationMs": round(duration_ms, 2),
            "billedDurationMs": int(duration_ms) + 1,
            "memorySizeMB": self.function_version.config.memory_size,
            "maxMemoryUsedMB": max_memory or 0,
        }
        logging_config = self.function_version.config.logging_config or {}
        if str(logging_config.get("LogFormat", "")).upper() == "JSON":
            system_level = str(logging_config.get("SystemLogLevel", "INFO")).upper()
            return self._json_platform_logs(request_id, body, status, metrics, system_level)
        return self._text_platform_logs(request_id, body, status, timeout, metrics)

    def _text_platform_logs(
        self, request_id: str, body: str, status: str, timeout: int, metrics: dict
    ) -> str:
        version = self.function_version.id.qualifier
        lines = [f"START RequestId: {request_id} Version: {version}\n", body]
        if status == "timeout":
            lines.append(f"{_iso_now()} {request_id} Task timed out after {timeout:.2f} seconds\n")
        lines.append(f"END RequestId: {request_id}\n")
        lines.append(
            f"REPORT RequestId: {request_id}\tDuration: {metrics['durationMs']:.2f} ms\t"
            f"Billed Duration: {metrics['billedDurationMs']} ms\t"
            f"Memory Size: {metrics['memorySizeMB']} MB\t"
            f"Max Memory Used: {metrics['maxMemoryUsedMB']} MB\t\n"
        )
        return "".join(lines)

    def _json_platform_logs(
        self, request_id: str, body: str, status: str, metrics: dict, system_level: str
    ) -> str:
        """JSON format: platform records are INFO, so SystemLogLevel WARN/ERROR hides them unless the
        invoke failed."""
        verbose = system_level in ("DEBUG", "INFO")
        version = self.function_version.id.qualifier
        head, tail = [], []
        if verbose:
            head.append({"type": "platform.start", "record": {"requestId": request_id, "version": version}})
        # A timeout shows as the report's status ("timeout"), as in AWS's JSON platform logs.
        if verbose or status != "success":
            record = {"requestId": request_id, "metrics": metrics, "status": status}
            tail.append({"type": "platform.report", "record": record})
        render = lambda records: "".join(  # noqa: E731 - two call sites, one line each
            json.dumps({"time": _iso_now(), **r}) + "\n" for r in records
        )
        return render(head) + body + render(tail)

    # -- addressing (the runtime talks to LocalStack over loopback) ----------------------------

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def get_logs(self) -> str:
        return "".join(self._process_log)

    @classmethod
    def validate_environment(cls) -> bool:
        try:
            node_binary_for(None)
        except LambdaRuntimeException as e:
            LOG.warning("%s", e)
            return False
        return True
