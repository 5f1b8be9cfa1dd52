import { loadVerifyConfig } from './config.ts';
import { createClients, createLogger, createVerifyHandler, initEntry, VERIFY_SERVICE_NAME } from './adapter.ts';

// The restore verifier's entry (verify.handler in the zip), the twin of handler.ts.
export const handler = initEntry(() => {
  const config = loadVerifyConfig(process.env);
  const { s3, cloudwatch } = createClients({ copyConcurrency: config.concurrency, multipartPartConcurrency: 1 }, process.env);
  return createVerifyHandler({ config, logger: createLogger(config, VERIFY_SERVICE_NAME), s3, cloudwatch });
});
