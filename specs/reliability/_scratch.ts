import { S3Client } from '@aws-sdk/client-s3';
import { startLocalStack } from '../support/localstack.ts';
import { clientConfig } from '../support/aws.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { sandbox, runCore } from '../lambda/helpers.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { lambdaLikeClients, transientS3Faults } from './helpers.ts';
const ls = await startLocalStack({ quiet: true });
const target = { endpoint: ls.endpoint, region: 'us-east-1' };
try {
  const s3 = new S3Client(clientConfig(target));
  for (const limit of [0, 3, 10, 25]) {
    const box = await sandbox(s3, target);
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 500, seed: 606, maxSize: 16 * 1024 }), { concurrency: 32 });
    const rules = transientS3Faults(0.1); rules[0]!.limit = limit;
    const proxy = await startFaultProxy({ upstream: ls.endpoint, seed: 6, rules });
    const c = lambdaLikeClients(proxy.endpoint);
    const t = Date.now();
    const r = await runCore({ s3: c.s3, cloudwatch: c.cloudwatch }, box.config());
    console.log(limit, Date.now() - t, r.status, JSON.stringify(proxy.stats.injected), proxy.stats.requests);
    c.destroy(); await proxy.close();
  }
} finally { await ls.stop(); }
