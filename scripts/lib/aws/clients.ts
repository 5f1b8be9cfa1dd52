// Shared SDK client settings for LocalStack (and, without an endpoint, the default AWS chain).
export const DEFAULT_REGION = 'us-east-1';

export interface AwsTarget {
  /** LocalStack or other emulator endpoint; undefined means real AWS with the default credential chain. */
  endpoint?: string;
  region: string;
}

/** Client config for any AWS SDK v3 client; S3 needs path-style addressing against LocalStack. */
export function clientConfig(target: AwsTarget) {
  if (!target.endpoint) return { region: target.region };
  return {
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}
