// Performance (issue #18): the one request every document costs, CopyObject, sent without the SDK's middleware
// stack. Measured on the bench's backup copy (1,500 documents, 3 rounds, same LocalStack): the SDK client used
// 0.77-0.99 ms of CPU per copy, the SDK over an undici handler 0.67-0.71, and undici with the SDK's own SigV4
// signer (@smithy/signature-v4) 0.21-0.29: the middleware, not the socket, is where the SDK spends it. The
// request is the same on the wire (same headers, same signature); everything else (listing, HEAD, tags,
// multipart, manifests) stays on the SDK client, whose credentials, region and endpoint rules this path uses.
//
// What the SDK did for this request and this path does too: SigV4 with the session token, standard retries
// (up to the client's maxAttempts, exponential backoff with full jitter, the longer base for throttling) of
// transient network errors, 5xx, 429, throttling codes and S3's 200 with an error or no result, errors shaped as the SDK's
// (name = S3's code, $metadata.httpStatusCode), so the core's handling (412, 404, describeError) is unchanged.
// Not carried over: the adaptive client-side rate limiter and the retry quota (S3's SlowDown still backs off each
// request, and the copy window bounds how many are in flight) and clock-skew correction.
import { createHash, createHmac, type BinaryLike } from 'node:crypto';
import { Pool } from 'undici';
import { SignatureV4 } from '@smithy/signature-v4';
import { CopyObjectCommand, type CopyObjectCommandInput, type CopyObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { uriEscape } from './s3.ts';

/** The input fields this path sends, as their headers; a CopyObject asking for anything else goes through the SDK. */
const HEADERS: Partial<Record<keyof CopyObjectCommandInput, string>> = {
  CopySource: 'x-amz-copy-source',
  CopySourceIfMatch: 'x-amz-copy-source-if-match',
  CopySourceIfNoneMatch: 'x-amz-copy-source-if-none-match',
  MetadataDirective: 'x-amz-metadata-directive',
  TaggingDirective: 'x-amz-tagging-directive',
  Tagging: 'x-amz-tagging',
  ServerSideEncryption: 'x-amz-server-side-encryption',
  SSEKMSKeyId: 'x-amz-server-side-encryption-aws-kms-key-id',
  BucketKeyEnabled: 'x-amz-server-side-encryption-bucket-key-enabled',
  ChecksumAlgorithm: 'x-amz-checksum-algorithm',
  IfNoneMatch: 'if-none-match',
  IfMatch: 'if-match',
};

/** SHA-256 of the empty body, as the SDK signs a request without one. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const RETRYABLE_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'RequestTimeout', 'InternalError', 'ServiceUnavailable']);
/** Transient network failures (undici's and the socket's); any other thrown error (a credential provider's, a bad argument) is not retried. */
const RETRYABLE_NETWORK = /^(UND_ERR_(SOCKET|CLOSED|CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT)|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)$/;
const THROTTLING_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled']);
const MAX_BACKOFF_MS = 20_000;

type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: Data): BinaryLike => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

/** node:crypto behind the hash interface the signer takes (the SDK's Node hash is the same thing). */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** One pattern per tag, made once: xmlText runs on every copy's answer. */
const TAG_PATTERNS = new Map<string, RegExp>();

const xmlText = (xml: string, tag: string): string | undefined => {
  let pattern = TAG_PATTERNS.get(tag);
  if (!pattern) TAG_PATTERNS.set(tag, (pattern = new RegExp(`<${tag}>([^<]*)</${tag}>`)));
  const m = pattern.exec(xml);
  return m ? m[1]!.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : undefined;
};

/** An S3 error as the SDK shapes it: name and Code are S3's code, $metadata carries the status. */
function s3Error(status: number, body: string, requestId: string | undefined, attempts: number): Error {
  const code = xmlText(body, 'Code') ?? (status === 404 ? 'NotFound' : String(status));
  const err = new Error(xmlText(body, 'Message') ?? code) as Error & Record<string, unknown>;
  err.name = code;
  Object.assign(err, { Code: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId, attempts } });
  return err;
}

export interface DirectCopyOptions {
  /** A custom endpoint (LocalStack, a proxy): path-style requests to it. Absent: the endpoint the SDK client resolves (partition, FIPS, dual-stack, addressing). */
  endpoint?: string;
  /** Sockets per endpoint (the SDK client's maxSockets). */
  connections: number;
  maxAttempts: number;
}

/** Sends CopyObject through undici, signed with the client's credentials and region; see the module comment. */
export class DirectCopy {
  private readonly pools = new Map<string, Pool>();
  /** Per bucket: where its objects are addressed (the SDK's own endpoint rules decide). */
  private readonly bases = new Map<string, URL>();
  private signer: SignatureV4 | undefined;
  private region: string | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly options: DirectCopyOptions,
  ) {}

  /** True when this path sends every field of the input (else the SDK does). */
  accepts(input: CopyObjectCommandInput): boolean {
    // Access points, Multi-Region Access Points and directory buckets sign and address differently: the SDK's.
    if (input.Bucket === undefined || input.Bucket.startsWith('arn:') || input.Bucket.endsWith('--x-s3')) return false;
    return (Object.keys(input) as (keyof CopyObjectCommandInput)[]).every((k) => k === 'Bucket' || k === 'Key' || k in HEADERS || input[k] === undefined);
  }

  async copy(input: CopyObjectCommandInput): Promise<CopyObjectCommandOutput> {
    const { url, path } = await this.address(input.Bucket!, input.Key!);
    const headers: Record<string, string> = { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256 };
    for (const [field, header] of Object.entries(HEADERS) as [keyof CopyObjectCommandInput, string][]) {
      const value = input[field];
      if (value !== undefined) headers[header] = String(value);
    }
    const pool = this.poolFor(url.origin);
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let body = '';
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      let failure: unknown;
      try {
        // Signed per attempt: the date (and a refreshed credential) must be current.
        const signed = await (await this.signerFor()).sign({ method: 'PUT', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path, headers: { ...headers }, query: {} });
        const res = await pool.request({ path, method: 'PUT', headers: signed.headers });
        status = res.statusCode;
        responseHeaders = res.headers;
        body = await res.body.text();
      } catch (err) {
        failure = err;
      }
      const requestId = responseHeaders['x-amz-request-id'] as string | undefined;
      // S3 may answer a copy 200 with an error in the body (it failed after the headers went out), or with no
      // result at all: the SDK makes both a retryable InternalError, and so does this.
      const error = failure ?? (status === 200 && body.includes('<CopyObjectResult') ? undefined : s3Error(status === 200 ? 503 : status, status === 200 && !body.includes('<Error>') ? '<Error><Code>InternalError</Code><Message>CopyObject answered 200 without a result</Message></Error>' : body, requestId, attempt));
      if (!error) {
        const version = responseHeaders['x-amz-version-id'] as string | undefined;
        const checksumType = xmlText(body, 'ChecksumType');
        return {
          $metadata: { httpStatusCode: status, requestId, attempts: attempt },
          CopyObjectResult: {
            ETag: xmlText(body, 'ETag'),
            ChecksumSHA256: xmlText(body, 'ChecksumSHA256'),
            ...(checksumType ? { ChecksumType: checksumType as 'FULL_OBJECT' | 'COMPOSITE' } : {}),
          },
          ...(version ? { VersionId: version } : {}),
        };
      }
      const code = (error as { name?: string }).name ?? '';
      const networkCode = String((failure as { code?: unknown } | undefined)?.code ?? '');
      const retryable = failure !== undefined ? RETRYABLE_NETWORK.test(networkCode) : status >= 500 || status === 429 || status === 200 || RETRYABLE_CODES.has(code);
      if (!retryable || attempt >= this.options.maxAttempts) throw error;
      const base = THROTTLING_CODES.has(code) || status === 429 ? 500 : 100;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1))));
    }
  }

  close(): void {
    for (const pool of this.pools.values()) pool.close().catch(() => undefined);
    this.pools.clear();
  }

  /** The URL origin and path of an object, as the SDK client would address it. */
  async address(bucket: string, key: string): Promise<{ url: URL; path: string }> {
    let base = this.bases.get(bucket);
    if (!base) {
      const config = this.client.config;
      // The SDK's own endpoint rules: partition suffixes, FIPS, dual-stack, virtual-hosted unless the name needs path-style.
      const resolved = config.endpointProvider({
        Bucket: bucket,
        Region: await this.regionOf(),
        UseFIPS: await config.useFipsEndpoint(),
        UseDualStack: await config.useDualstackEndpoint(),
        ForcePathStyle: this.options.endpoint !== undefined || config.forcePathStyle === true,
        ...(this.options.endpoint ? { Endpoint: this.options.endpoint } : {}),
      });
      base = new URL(resolved.url.href);
      this.bases.set(bucket, base);
    }
    const keyPath = key.split('/').map(uriEscape).join('/');
    return { url: base, path: `${base.pathname.replace(/\/$/, '')}/${keyPath}` };
  }

  private poolFor(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) this.pools.set(origin, (pool = new Pool(origin, { connections: this.options.connections, pipelining: 1 })));
    return pool;
  }

  private async regionOf(): Promise<string> {
    this.region ??= await this.client.config.region();
    return this.region;
  }

  private async signerFor(): Promise<SignatureV4> {
    // The client's own credential provider: memoised and refreshed before expiry by the SDK.
    this.signer ??= new SignatureV4({ service: 's3', region: await this.regionOf(), credentials: this.client.config.credentials, sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
    return this.signer;
  }
}

/** Routes the client's CopyObject through DirectCopy; every other command, and any CopyObject it cannot send, through the SDK. */
export function withDirectCopy(client: S3Client, options: DirectCopyOptions): S3Client {
  const direct = new DirectCopy(client, options);
  const send = client.send.bind(client);
  const destroy = client.destroy.bind(client);
  client.send = ((command: unknown, ...rest: unknown[]) => {
    if (command instanceof CopyObjectCommand && rest.length === 0 && direct.accepts(command.input)) return direct.copy(command.input);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as S3Client['send'];
  client.destroy = () => {
    direct.close();
    destroy();
  };
  return client;
}
