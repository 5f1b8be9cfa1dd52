// The backup handler as a process of its own, outside LocalStack's Lambda service (run by cpu-sections.ts
// under `node --import tsx`, with the deployed function's environment): for a CPU profile, which the executor's
// long-lived node_runner.mjs never writes, and for runs through the fault proxy (AWS_ENDPOINT_URL). The same
// handler.ts the function bundles. CPU figure and profile cover the invocation only, as a warm function's would:
// the profile is V8's sampling profiler (what --cpu-prof runs, at its 1 ms interval) started after the init, so
// tsx's loading of the TypeScript sources does not crowd out the handler. Prints one JSON line last.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const { profileFile, ...event } = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown> & { profileFile?: string };
const { handler } = await import('../../../lambda/src/handler.ts');
const session = new Session();
if (profileFile) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
}
const cpu0 = process.cpuUsage();
const started = performance.now();
let payload: unknown;
try {
  payload = await handler(event, { getRemainingTimeInMillis: () => 15 * 60_000 - (performance.now() - started) });
} catch (err) {
  // An incomplete run throws with its result attached (BackupIncompleteError): the counts still say what landed.
  payload = { errorMessage: (err as Error).message, ...((err as { result?: object }).result ?? {}) };
}
const cpu = process.cpuUsage(cpu0);
if (profileFile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(profileFile, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(`\n${JSON.stringify({ payload, cpuMs: Math.round((cpu.user + cpu.system) / 1000), ms: Math.round(performance.now() - started) })}\n`);
