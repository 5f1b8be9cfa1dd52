import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory that is removed when this process exits. Why not afterAll: Playwright also loads
 * a spec file in processes that run none of its tests (listing, other workers), and a module-level
 * directory made there would outlive every run.
 */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
