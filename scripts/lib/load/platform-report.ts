// The invocation's platform report (duration, Max Memory Used) from the function's log group.
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';

export interface PlatformReport {
  durationMs?: number;
  maxMemoryUsedMB?: number;
}

/**
 * Pure: the report in one log message of the invocation `requestId`, as a text `REPORT RequestId: ...` line
 * or, with LogFormat JSON, a `platform.report` record; undefined for any other message.
 */
export function parsePlatformReport(message: string, requestId: string): PlatformReport | undefined {
  if (!message.includes(requestId)) return undefined;
  const text = /REPORT RequestId: \S+\s+Duration: ([\d.]+) ms.*?Max Memory Used: (\d+) MB/s.exec(message);
  if (text) return { durationMs: Number(text[1]), maxMemoryUsedMB: Number(text[2]) };
  if (!message.includes('platform.report')) return undefined;
  try {
    const rec = JSON.parse(message) as { record?: { metrics?: { durationMs?: number; maxMemoryUsedMB?: number } } };
    const metrics = rec.record?.metrics;
    if (metrics) return { ...(metrics.durationMs !== undefined ? { durationMs: metrics.durationMs } : {}), ...(metrics.maxMemoryUsedMB !== undefined ? { maxMemoryUsedMB: metrics.maxMemoryUsedMB } : {}) };
  } catch {
    // not JSON after all
  }
  return undefined;
}

/**
 * The template sets SystemLogLevel WARN, under which (as in AWS) a successful invocation writes no report at
 * all: then this returns undefined after `waitMs`.
 */
export async function readPlatformReport(target: AwsTarget, logGroupName: string, requestId: string, since: number, waitMs = 4000): Promise<PlatformReport | undefined> {
  const logs = new CloudWatchLogsClient(clientConfig(target));
  const deadline = Date.now() + waitMs;
  try {
    do {
      let token: string | undefined;
      do {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: since - 5000, nextToken: token }));
        for (const e of page.events ?? []) {
          const report = parsePlatformReport(e.message ?? '', requestId);
          if (report) return report;
        }
        token = page.nextToken;
      } while (token);
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
  } catch {
    return undefined;
  } finally {
    logs.destroy();
  }
  return undefined;
}
