// A small HTTP fault proxy for the reliability specs and the bench's latency section. It sits between an AWS
// SDK client (or a deployed Lambda, through AWS_ENDPOINT_URL) and LocalStack, forwards every request
// unchanged, and on a chosen, seed-deterministic share of the requests that match a rule it instead:
//   - answers 503 SlowDown or 500 InternalError with S3's XML error body (or any status/code, e.g. 403
//     AccessDenied for chosen keys: a permanent fault),
//   - resets the connection, either before the request reaches LocalStack or after LocalStack has done
//     the work (the response is lost, the classic "did my write happen?" fault),
//   - adds latency, or runs a hook (e.g. to rewrite a source document mid-run) before forwarding.
// It counts every injection, so a spec can prove the faults really happened. No mocks: LocalStack does
// the real work for everything that is forwarded.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedRequest {
  /** SigV4 signing name from the Authorization header's credential scope: "s3", "monitoring" (CloudWatch), ... */
  service: string;
  /** S3 operation derived from method, path, query and headers; X-Amz-Target / Action / rpc-v2 path for others. */
  operation: string;
  method: string;
  /** Raw path, without the query string. */
  path: string;
  query: URLSearchParams;
  /** Path-style S3 addressing: /<bucket>/<key>; both decoded. */
  bucket?: string;
  key?: string;
  /** CopyObject / UploadPartCopy: the decoded x-amz-copy-source. */
  copySource?: { bucket: string; key: string; versionId?: string };
  headers: http.IncomingHttpHeaders;
}

export type Fault =
  /** 503 SlowDown, S3's throttling error (the SDK retries it, and adaptive mode slows the client down). */
  | { kind: 'slowdown' }
  /** 500 InternalError (retried by the SDK as a transient server error). */
  | { kind: 'internal' }
  /** Any S3 error response, e.g. { status: 403, code: 'AccessDenied' } for a permanent failure. */
  | { kind: 'error'; status: number; code: string; message?: string }
  /** Destroys the client connection: before forwarding (nothing happened upstream) or after the upstream answered (the work is done, the answer is lost). */
  | { kind: 'reset'; after?: boolean }
  /** Waits, then forwards. */
  | { kind: 'latency'; ms: number }
  /** Runs `run` (awaited), then forwards: for changing the world at an exact point of a run. */
  | { kind: 'hook'; run: (req: ProxiedRequest) => Promise<void> | void };

export type FaultKind = Fault['kind'];

type OneOrMany<T> = T | readonly T[];

export interface FaultMatch {
  service?: OneOrMany<string>;
  operation?: OneOrMany<string>;
  method?: OneOrMany<string>;
  /** Tested against the raw path (with the query string). */
  path?: RegExp;
  bucket?: string;
  /** The object key, or for CopyObject / UploadPartCopy also the copy source's key. */
  key?: OneOrMany<string> | ((key: string) => boolean);
  when?: (req: ProxiedRequest) => boolean;
}

export interface FaultRule {
  name?: string;
  match?: FaultMatch;
  fault: Fault;
  /** Share of matching requests that get the fault, 0..1 (default 1), decided from the seed and the request. */
  rate?: number;
  /** Inject at most this many times. */
  limit?: number;
}

export interface Injection {
  rule: string;
  kind: FaultKind;
  service: string;
  operation: string;
  target: string;
}

export interface FaultStats {
  requests: number;
  /** Requests that reached the upstream (a reset-after request counts: the upstream did the work). */
  forwarded: number;
  injected: Record<FaultKind, number>;
  /** Requests and injections per operation ("s3:CopyObject", "monitoring:PutMetricData", ...). */
  byOperation: Record<string, { requests: number; injected: number }>;
  injections: Injection[];
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>: use as the SDK endpoint or a function's AWS_ENDPOINT_URL. */
  endpoint: string;
  port: number;
  readonly stats: FaultStats;
  /** Replaces the rules (and keeps counting); [] makes the proxy a transparent pass-through. */
  setRules(rules: FaultRule[]): void;
  /** Total injections, of one kind or all. */
  injected(kind?: FaultKind): number;
  resetStats(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Where to forward, e.g. the LocalStack endpoint. */
  upstream: string;
  rules?: FaultRule[];
  /** Same seed + same requests = same decisions, whatever order concurrent requests arrive in. */
  seed?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
}

/**
 * Latency-only mode: every request of `service` waits `ms`, then is forwarded; nothing else is injected. The
 * bench uses it to stand in for a real S3 round trip, which LocalStack on loopback does not have.
 */
export const latencyOnlyRules = (ms: number, service = 's3'): FaultRule[] => [{ name: `latency ${ms} ms`, match: { service }, fault: { kind: 'latency', ms } }];

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade']);

const S3_MESSAGES: Record<string, string> = {
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  AccessDenied: 'Access Denied',
};

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** S3's error document, as S3 sends it. */
export function s3ErrorXml(code: string, message: string, resource: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId><HostId>fault-proxy</HostId></Error>`
  );
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Names the request: service from the SigV4 scope, operation from the REST shape (S3) or the RPC target. */
export function classify(method: string, rawUrl: string, headers: http.IncomingHttpHeaders): ProxiedRequest {
  const url = new URL(rawUrl, 'http://proxy.invalid');
  const query = url.searchParams;
  const auth = String(headers['authorization'] ?? '');
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth);
  const service = scope?.[1] ?? (query.get('X-Amz-Credential')?.split('/')[3] || 'unknown');
  const req: ProxiedRequest = { service, operation: 'Unknown', method, path: url.pathname, query, headers };
  if (service === 's3') {
    const [, bucket, ...rest] = url.pathname.split('/');
    if (bucket) req.bucket = decode(bucket);
    const key = rest.length ? decode(rest.join('/')) : undefined;
    if (key) req.key = key;
    const copy = headers['x-amz-copy-source'];
    if (typeof copy === 'string') {
      const [pathPart = '', versionPart] = copy.split('?');
      const [srcBucket = '', ...srcKey] = decode(pathPart).replace(/^\//, '').split('/');
      const versionId = versionPart ? new URLSearchParams(versionPart).get('versionId') ?? undefined : undefined;
      req.copySource = { bucket: srcBucket, key: srcKey.join('/'), ...(versionId ? { versionId } : {}) };
    }
    req.operation = s3Operation(method, req, query);
  } else {
    const target = headers['x-amz-target'];
    const rpcV2 = /\/operation\/([^/]+)$/.exec(url.pathname);
    req.operation =
      (typeof target === 'string' ? target.split('.').pop() : undefined) ?? rpcV2?.[1] ?? query.get('Action') ?? `${method} ${url.pathname}`;
  }
  return req;
}

function s3Operation(method: string, req: ProxiedRequest, query: URLSearchParams): string {
  const objectLevel = req.key !== undefined;
  switch (method) {
    case 'GET':
      if (!objectLevel) return query.get('list-type') === '2' ? 'ListObjectsV2' : query.has('versions') ? 'ListObjectVersions' : query.has('uploads') ? 'ListMultipartUploads' : req.bucket ? 'ListObjects' : 'ListBuckets';
      return query.has('uploadId') ? 'ListParts' : query.has('tagging') ? 'GetObjectTagging' : 'GetObject';
    case 'HEAD':
      return objectLevel ? 'HeadObject' : 'HeadBucket';
    case 'PUT':
      if (!objectLevel) return 'CreateBucket';
      if (query.has('partNumber')) return req.copySource ? 'UploadPartCopy' : 'UploadPart';
      return req.copySource ? 'CopyObject' : query.has('tagging') ? 'PutObjectTagging' : 'PutObject';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return query.has('delete') ? 'DeleteObjects' : 'PostObject';
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload';
      return objectLevel ? 'DeleteObject' : 'DeleteBucket';
    default:
      return method;
  }
}

const oneOf = (value: string | undefined, allowed: OneOrMany<string> | undefined) =>
  allowed === undefined || (value !== undefined && (typeof allowed === 'string' ? allowed === value : allowed.includes(value)));

export function matches(match: FaultMatch | undefined, req: ProxiedRequest, rawUrl: string): boolean {
  if (!match) return true;
  if (!oneOf(req.service, match.service) || !oneOf(req.operation, match.operation) || !oneOf(req.method, match.method)) return false;
  if (match.path && !match.path.test(rawUrl)) return false;
  if (match.bucket !== undefined && req.bucket !== match.bucket) return false;
  if (match.key !== undefined) {
    const keys = [req.key, req.copySource?.key].filter((k): k is string => k !== undefined);
    const test = typeof match.key === 'function' ? match.key : (k: string) => oneOf(k, match.key as OneOrMany<string>);
    if (!keys.some(test)) return false;
  }
  return !match.when || match.when(req);
}

/** A uniform number in [0, 1) from the seed and a string: order-independent, reproducible. */
function draw(seed: number, identity: string): number {
  return createHash('sha256').update(`${seed}\u0000${identity}`).digest().readUInt32BE(0) / 2 ** 32;
}

function emptyStats(): FaultStats {
  return {
    requests: 0,
    forwarded: 0,
    injected: { slowdown: 0, internal: 0, error: 0, reset: 0, latency: 0, hook: 0 },
    byOperation: {},
    injections: [],
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const seed = options.seed ?? 1;
  let rules = options.rules ?? [];
  let stats = emptyStats();
  /** Per rule and request identity: how many times it was seen, so each retry gets its own draw. */
  let seen = new Map<string, number>();
  let used = new Map<FaultRule, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const sockets = new Set<Socket>();

  const choose = (req: ProxiedRequest, rawUrl: string): { rule: FaultRule; index: number } | undefined => {
    // Volatile parts (upload ids, signatures) stay out of the identity; part numbers and list tokens stay in.
    const stable = ['partNumber', 'continuation-token', 'versionId'].map((p) => req.query.get(p) ?? '').join(',');
    const identity = `${req.service} ${req.operation} ${req.method} ${req.path} ${stable} ${req.copySource?.key ?? ''}`;
    for (const [index, rule] of rules.entries()) {
      if (!matches(rule.match, req, rawUrl)) continue;
      if (rule.limit !== undefined && (used.get(rule) ?? 0) >= rule.limit) continue;
      const id = `${index}|${identity}`;
      const n = seen.get(id) ?? 0;
      seen.set(id, n + 1);
      const rate = rule.rate ?? 1;
      if (rate >= 1 || draw(seed, `${id}|${n}`) < rate) return { rule, index };
    }
    return undefined;
  };

  const record = (req: ProxiedRequest, chosen: { rule: FaultRule; index: number }) => {
    const { rule, index } = chosen;
    used.set(rule, (used.get(rule) ?? 0) + 1);
    stats.injected[rule.fault.kind]++;
    stats.byOperation[`${req.service}:${req.operation}`]!.injected++;
    stats.injections.push({
      rule: rule.name ?? `rule ${index}`,
      kind: rule.fault.kind,
      service: req.service,
      operation: req.operation,
      target: req.bucket ? `${req.bucket}/${req.key ?? ''}` : req.path,
    });
  };

  const sendError = (res: http.ServerResponse, req: ProxiedRequest, status: number, code: string, message: string) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    // HEAD responses carry no body, on S3 as here: the SDK then names the error from the status alone.
    const body = req.method === 'HEAD' ? '' : s3ErrorXml(code, message, req.path, requestId);
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      'x-amz-request-id': requestId,
      'x-amz-id-2': 'fault-proxy',
    });
    res.end(body);
  };

  const forward = (clientReq: http.IncomingMessage, res: http.ServerResponse, resetAfter: boolean) => {
    stats.forwarded++;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(clientReq.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) headers[name] = value;
    const upstreamReq = http.request(
      { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: clientReq.method, path: clientReq.url, headers, agent },
      (upstreamRes) => {
        if (resetAfter) {
          // The upstream has done the work; read its answer and drop the client's connection instead.
          upstreamRes.resume();
          upstreamRes.on('end', () => clientReq.socket.destroy());
          return;
        }
        const out: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(upstreamRes.headers)) if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        res.writeHead(upstreamRes.statusCode ?? 502, out);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault-proxy: upstream ${options.upstream} failed: ${err.message}`);
      } else {
        res.destroy(err);
      }
    });
    clientReq.pipe(upstreamReq);
  };

  const server = http.createServer((clientReq, res) => {
    const rawUrl = clientReq.url ?? '/';
    const method = clientReq.method ?? 'GET';
    const req = classify(method, rawUrl, clientReq.headers);
    stats.requests++;
    const op = (stats.byOperation[`${req.service}:${req.operation}`] ??= { requests: 0, injected: 0 });
    op.requests++;
    const chosen = choose(req, rawUrl);
    if (!chosen) return forward(clientReq, res, false);
    record(req, chosen);
    const { fault } = chosen.rule;
    switch (fault.kind) {
      case 'slowdown':
        return drainThen(clientReq, () => sendError(res, req, 503, 'SlowDown', S3_MESSAGES['SlowDown']!));
      case 'internal':
        return drainThen(clientReq, () => sendError(res, req, 500, 'InternalError', S3_MESSAGES['InternalError']!));
      case 'error':
        return drainThen(clientReq, () => sendError(res, req, fault.status, fault.code, fault.message ?? S3_MESSAGES[fault.code] ?? fault.code));
      case 'reset':
        if (fault.after) return forward(clientReq, res, true);
        clientReq.socket.destroy();
        return;
      case 'latency':
        setTimeout(() => forward(clientReq, res, false), fault.ms);
        return;
      case 'hook':
        Promise.resolve()
          .then(() => fault.run(req))
          .then(
            () => forward(clientReq, res, false),
            (err: unknown) => sendError(res, req, 500, 'InternalError', `fault-proxy hook failed: ${String(err)}`),
          );
        return;
    }
  });
  // Longer than the SDK's idle sockets live, so the proxy never closes a socket the client is about to reuse
  // (that would be a fault nobody asked for).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://${options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1'}:${port}`,
    port,
    get stats() {
      return stats;
    },
    setRules(next) {
      rules = next;
      seen = new Map();
      used = new Map();
    },
    injected(kind) {
      return kind ? stats.injected[kind] : Object.values(stats.injected).reduce((a, b) => a + b, 0);
    },
    resetStats() {
      stats = emptyStats();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads (and discards) a request body before answering, so the client sees an answer, not a broken pipe. */
function drainThen(req: http.IncomingMessage, answer: () => void) {
  if (req.readableEnded) return answer();
  req.on('end', answer);
  req.on('error', answer);
  req.resume();
}
