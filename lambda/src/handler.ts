import { loadConfig } from './config.ts';
import { createClients, createHandler, createLogger } from './adapter.ts';
import { ConfigError } from './errors.ts';

// Everything here runs once per execution environment (cold start), not per invocation: a bad
// environment fails the init with one line naming the variable, and clients keep their connections warm.
function init() {
  try {
    const config = loadConfig(process.env);
    const logger = createLogger(config);
    const { s3, cloudwatch } = createClients(config, process.env);
    return createHandler({ config, logger, s3, cloudwatch });
  } catch (err) {
    if (err instanceof ConfigError) {
      // The logger is not configured yet; keep the line structured like the rest of the logs.
      console.error(JSON.stringify({ level: 'ERROR', message: err.message, errorType: err.name, variable: err.variable }));
    }
    throw err;
  }
}

export const handler = init();
