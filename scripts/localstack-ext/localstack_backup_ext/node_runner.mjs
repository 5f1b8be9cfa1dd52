// Runtime bootstrap for the local-node Lambda executor: one process per execution environment.
// It plays the part of AWS's Node.js runtime client: loads the handler once (init), then serves
// invokes one at a time over the control socket the executor passed as LOCAL_LAMBDA_CONTROL_FD.
// Everything the handler prints is framed as log messages on that socket, so log lines and results
// arrive in order and each line is attributed to the invoke that printed it.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const controlFd = Number(process.env.LOCAL_LAMBDA_CONTROL_FD);
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerSpec = process.env._HANDLER ?? '';
const jsonLogs = (process.env.AWS_LAMBDA_LOG_FORMAT ?? '').toUpperCase() === 'JSON';
const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const minLevel = jsonLogs ? Math.max(0, LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL ?? 'INFO').toUpperCase())) : 0;
// Internal variables are not part of the function's environment on AWS.
delete process.env.LOCAL_LAMBDA_CONTROL_FD;

const control = new net.Socket({ fd: controlFd, readable: true, writable: true });
let currentRequestId;

function send(message) {
  control.write(`${JSON.stringify(message)}\n`);
}

// Console output formatted like the AWS Node.js runtime (text or JSON log format).
const rawWrite = (stream) => (chunk, encoding, cb) => {
  const data = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8');
  send({ type: 'log', requestId: currentRequestId, stream, data });
  const done = typeof encoding === 'function' ? encoding : cb;
  if (typeof done === 'function') done();
  return true;
};
process.stdout.write = rawWrite('stdout');
process.stderr.write = rawWrite('stderr');

function emit(level, args) {
  if (LEVELS.indexOf(level) < minLevel) return;
  const timestamp = new Date().toISOString();
  if (jsonLogs) {
    const entry = { timestamp, level, requestId: currentRequestId };
    const [first] = args;
    if (args.length === 1 && first instanceof Error) {
      Object.assign(entry, { message: first.message, errorType: first.name, errorMessage: first.message, stackTrace: String(first.stack ?? '').split('\n') });
    } else {
      entry.message = args.length === 1 && typeof first === 'object' && first !== null ? first : util.format(...args);
    }
    send({ type: 'log', requestId: currentRequestId, stream: 'stdout', data: `${JSON.stringify(entry)}\n` });
  } else {
    // AWS keeps a multi-line message in one log event; CR stands in for LF as the Node runtime does.
    const message = util.format(...args).replace(/\n/g, '\r');
    send({ type: 'log', requestId: currentRequestId, stream: 'stdout', data: `${timestamp}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}\n` });
  }
}
console.log = (...a) => emit('INFO', a);
console.info = (...a) => emit('INFO', a);
console.warn = (...a) => emit('WARN', a);
console.error = (...a) => emit('ERROR', a);
console.debug = (...a) => emit('DEBUG', a);
console.trace = (...a) => emit('TRACE', a);

function toError(err, fallbackType = 'Error') {
  if (err instanceof Error) {
    return { errorType: err.name || fallbackType, errorMessage: err.message, trace: String(err.stack ?? '').split('\n') };
  }
  if (err && typeof err === 'object') {
    return { errorType: err.name ?? fallbackType, errorMessage: err.message ?? JSON.stringify(err), trace: [] };
  }
  return { errorType: fallbackType, errorMessage: String(err), trace: [] };
}

// AWS's Node runtime provides the SDK from /var/runtime/node_modules; NODE_PATH plays that part here.
// ESM ignores NODE_PATH, so bare specifiers the code root cannot resolve are retried from there.
const fallbackDirs = (process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean);
if (fallbackDirs.length > 0 && typeof nodeModule.registerHooks === 'function') {
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        const bare = !/^(\.|\/|[a-z]+:)/i.test(specifier);
        if (!bare || err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
        for (const dir of fallbackDirs) {
          try {
            return nextResolve(specifier, { ...context, parentURL: pathToFileURL(path.join(dir, 'noop.js')).href });
          } catch {
            // try the next directory
          }
        }
        throw err;
      }
    },
  });
}

async function loadHandler() {
  const slash = handlerSpec.lastIndexOf('/');
  const dir = slash >= 0 ? handlerSpec.slice(0, slash + 1) : '';
  const [moduleName, ...exportPath] = handlerSpec.slice(slash + 1).split('.');
  if (!moduleName || exportPath.length === 0) {
    throw Object.assign(new Error(`Bad handler ${handlerSpec}: expected file.export`), { name: 'Runtime.MalformedHandlerName' });
  }
  const base = path.resolve(taskRoot, dir + moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${dir + moduleName}'`), { name: 'Runtime.ImportModuleError' });
  }
  let mod;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    const wrapped = new Error(`${err?.name ?? 'Error'}: ${err?.message ?? err}`);
    wrapped.name = 'Runtime.ImportModuleError';
    wrapped.stack = err?.stack;
    throw wrapped;
  }
  let fn = mod;
  for (const key of exportPath) fn = fn?.[key] ?? (fn === mod ? mod.default?.[key] : undefined);
  if (fn === undefined) {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is not a function`), { name: 'Runtime.HandlerNotFound' });
  }
  return fn;
}

function makeContext(msg) {
  const deadline = Number(msg.deadlineMs);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: msg.invokedFunctionArn,
    memoryLimitInMB: String(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE),
    awsRequestId: msg.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: msg.clientContext ?? undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') {
        returned.then((r) => callback(null, r), (e) => callback(e ?? new Error('Promise rejected')));
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (err) {
      callback(err);
    }
  });
}

let handler;
try {
  handler = await loadHandler();
  send({ type: 'ready', node: process.version });
} catch (err) {
  send({ type: 'init_error', error: toError(err, 'Runtime.ImportModuleError'), node: process.version });
}

process.on('uncaughtException', (err) => {
  send({ type: 'error', requestId: currentRequestId, error: toError(err, 'Runtime.UncaughtException'), fatal: true });
  control.end(() => process.exit(129));
});
process.on('unhandledRejection', (reason) => {
  const error = toError(reason, 'Runtime.UnhandledPromiseRejection');
  error.errorType = 'Runtime.UnhandledPromiseRejection';
  send({ type: 'error', requestId: currentRequestId, error, fatal: true });
  control.end(() => process.exit(128));
});

const lines = readline.createInterface({ input: control });
lines.on('line', async (line) => {
  const msg = JSON.parse(line);
  if (msg.type !== 'invoke' || !handler) return;
  currentRequestId = msg.requestId;
  let event;
  try {
    event = msg.payload ? JSON.parse(msg.payload) : {};
  } catch {
    event = msg.payload;
  }
  const memory = () => Math.round(process.memoryUsage.rss() / 1048576);
  try {
    const result = await runHandler(handler, event, makeContext(msg));
    send({ type: 'result', requestId: msg.requestId, payload: JSON.stringify(result ?? null), maxMemoryMB: memory() });
  } catch (err) {
    const error = toError(err);
    emit('ERROR', [`Invoke Error \t${JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage, stack: error.trace })}`]);
    send({ type: 'error', requestId: msg.requestId, error, maxMemoryMB: memory() });
  }
});
// The executor closing the socket (stop, or LocalStack gone) ends the environment.
control.on('close', () => process.exit(0));
control.on('error', () => process.exit(0));

