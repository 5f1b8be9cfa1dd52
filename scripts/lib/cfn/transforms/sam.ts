// AWS::Serverless-2016-10-31: the official SAM translator (aws-sam-translator, a direct dependency in
// requirements.in) run by the project venv's Python on sam.py, offline. What SAM generates (roles, permissions,
// APIs) is then judged like any resource, and named with the SAM resource it came from.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { JsonObject } from '../template.ts';
import { VENV_PYTHON } from '../../tools.ts';
import { TransformError } from './error.ts';

const SCRIPT = fileURLToPath(new URL('./sam.py', import.meta.url));
/** The translator refused the template (sam.py's contract); any other failure is the environment's. */
const REFUSED = 3;

export function expandSam(raw: JsonObject): { raw: JsonObject; origins: Record<string, string> } {
  if (!existsSync(VENV_PYTHON)) {
    throw new TransformError(`is a SAM template, and expanding it needs the project venv (${VENV_PYTHON}, with aws-sam-translator): run npm run bootstrap`);
  }
  const run = spawnSync(VENV_PYTHON, [SCRIPT], {
    input: JSON.stringify(raw),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Offline and deterministic: no profile, no instance metadata, whatever the caller's AWS settings are.
    env: { PATH: process.env['PATH'] ?? '', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
  });
  const stderr = (run.stderr ?? '').trim();
  if (run.status === REFUSED) throw new TransformError(`the SAM translator refused it: ${stderr.split('\n')[0]}`);
  if (run.status !== 0) {
    const last = stderr.split('\n').filter(Boolean).at(-1) ?? run.error?.message ?? `exit ${run.status}`;
    throw new TransformError(`the SAM translator failed: ${last}`);
  }
  const out = JSON.parse(run.stdout) as { template: JsonObject; origins: Record<string, string> };
  return { raw: out.template, origins: Object.fromEntries(Object.entries(out.origins).map(([id, from]) => [id, `SAM ${from}`])) };
}
