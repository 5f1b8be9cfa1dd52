// Planted templates for the matrix specs: the canonical template, loaded once, deep-copied, edited as data
// (its JSON form, intrinsics spelled Fn::Sub, Ref, ...) and written as JSON into a scratch directory for the
// CLI to read. Nothing is committed; each spec says what it planted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { loadTemplate, type Json, type JsonObject } from '../../scripts/lib/cfn/template.ts';
import { runScriptSync, type CliRun } from '../support/cli.ts';

export const TEMPLATE = process.env['TEMPLATE'] ?? 'template/backup-stack.yaml';

export interface Planter {
  /** Writes an edited copy of the canonical template and returns its path. */
  plant(name: string, edit: (raw: JsonObject) => void): Promise<string>;
  dispose(): Promise<void>;
}

export async function planter(): Promise<Planter> {
  const scratch = await mkdtemp(join(tmpdir(), 'matrix-plant-'));
  const canonical = (await loadTemplate(TEMPLATE)).raw;
  return {
    async plant(name, edit) {
      const raw = structuredClone(canonical);
      edit(raw);
      expect(JSON.stringify(raw), `${name}: the edit changes ${TEMPLATE}`).not.toBe(JSON.stringify(canonical));
      const path = join(scratch, `${name}.json`);
      await writeFile(path, JSON.stringify(raw, null, 2));
      return path;
    },
    dispose: () => rm(scratch, { recursive: true, force: true }),
  };
}

export const matrix = (...args: string[]): CliRun => runScriptSync('matrix', args, { timeoutMs: 120_000 });

export function resources(raw: JsonObject): Record<string, JsonObject> {
  return raw['Resources'] as Record<string, JsonObject>;
}

/** The Properties of resource `id` (which must exist). */
export function props(raw: JsonObject, id: string): JsonObject {
  const r = resources(raw)[id];
  if (!r) throw new Error(`${TEMPLATE} has no resource ${id}`);
  return (r['Properties'] ??= {}) as JsonObject;
}

/** Appends `statement` to the policy document at `property` of resource `id`. */
export function addStatement(raw: JsonObject, id: string, property: string, statement: JsonObject): void {
  const doc = props(raw, id)[property] as JsonObject;
  const list = doc['Statement'];
  doc['Statement'] = [...(Array.isArray(list) ? list : list === undefined ? [] : [list]), statement];
}

/** Appends `value` to the list property `property` of resource `id`. */
export function append(raw: JsonObject, id: string, property: string, value: Json): void {
  const p = props(raw, id);
  const list = p[property];
  p[property] = [...(Array.isArray(list) ? list : list === undefined ? [] : [list]), value];
}

/** The lines of stderr that name a difference from the contract. */
export function differenceLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^\s+(became|stopped being) allowed: /.test(l));
}
