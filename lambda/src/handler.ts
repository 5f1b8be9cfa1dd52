import { loadConfig } from './config.ts';
import { createClients, createHandler, createLogger, initEntry } from './adapter.ts';

// The backup's entry (index.handler in the zip). Clients are created once and keep their connections warm.
export const handler = initEntry(() => {
  const config = loadConfig(process.env);
  const { s3, cloudwatch } = createClients(config, process.env);
  return createHandler({ config, logger: createLogger(config), s3, cloudwatch });
});
