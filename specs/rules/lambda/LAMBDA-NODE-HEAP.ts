import { defineRule } from '../engine.ts';
import { at, num, Findings } from '../helpers.ts';

const HEAP_FLAGS = {
  old: ['--max-old-space-size', '--max_old_space_size'],
  semi: ['--max-semi-space-size', '--max_semi_space_size'],
} as const;
type HeapFlag = keyof typeof HEAP_FLAGS;

/** The value of each V8 heap flag NODE_OPTIONS sets (`--flag=N` or `--flag N`), as written. */
export function heapFlags(nodeOptions: string): Partial<Record<HeapFlag, string>> {
  const tokens = nodeOptions.trim().split(/\s+/);
  const found: Partial<Record<HeapFlag, string>> = {};
  tokens.forEach((token, i) => {
    const [name, inline] = token.split(/=(.*)/s, 2) as [string, string | undefined];
    for (const flag of Object.keys(HEAP_FLAGS) as HeapFlag[]) {
      if ((HEAP_FLAGS[flag] as readonly string[]).includes(name)) found[flag] = inline ?? tokens[i + 1] ?? '';
    }
  });
  return found;
}

export const rule = defineRule({
  id: 'LAMBDA-NODE-HEAP',
  pack: 'generic',
  severity: 'error',
  title: 'A Node.js function whose NODE_OPTIONS sets V8 heap limits sets both, as whole MB, with the old space below MemorySize',
  rationale:
    'Lambda\'s Node.js bootstrap derives --max-old-space-size and --max-semi-space-size from MemorySize, and passes ' +
    'neither once NODE_OPTIONS sets either: setting one leaves V8 to size the other for itself. An old space at or ' +
    'above MemorySize means V8 never reaches its own limit, so a growing heap ends in a sandbox out-of-memory kill ' +
    'instead of garbage collection. No known tool reads NODE_OPTIONS.',
  remediation: 'Set both --max-old-space-size and --max-semi-space-size as whole MB in NODE_OPTIONS, with the old space below MemorySize.',
  resourceTypes: ['AWS::Lambda::Function'],
  resource(resource, ctx) {
    const { view } = ctx;
    const out = new Findings();
    const runtime = resource.resolved['Runtime'];
    const nodeOptions = at(resource.resolved['Environment'], 'Variables.NODE_OPTIONS');
    if (typeof runtime !== 'string' || !runtime.startsWith('nodejs') || typeof nodeOptions !== 'string') return out.list();
    const path = 'Properties.Environment.Variables.NODE_OPTIONS';
    const flags = heapFlags(nodeOptions);
    const set = (Object.keys(flags) as HeapFlag[]).filter((f) => flags[f] !== undefined);
    if (set.length === 0) return out.list();
    const mb: Partial<Record<HeapFlag, number>> = {};
    for (const flag of set) {
      const value = num(flags[flag]);
      if (value === undefined || !Number.isInteger(value) || value < 1) out.add(resource.logicalId, path, `${HEAP_FLAGS[flag][0]} "${flags[flag]}" is not a whole number of MB`);
      else mb[flag] = value;
    }
    if (set.length === 1) {
      const missing = set[0] === 'old' ? 'semi' : 'old';
      out.add(resource.logicalId, path, `NODE_OPTIONS sets ${HEAP_FLAGS[set[0]!][0]} but not ${HEAP_FLAGS[missing][0]}; the bootstrap then passes neither, so V8 sizes the ${missing === 'old' ? 'old' : 'young'} generation for itself`);
    }
    const memory = num(resource.resolved['MemorySize']) ?? 128;
    if (mb.old !== undefined && mb.old >= memory) {
      out.add(resource.logicalId, path, `--max-old-space-size=${mb.old} is not below MemorySize ${memory} MB`);
    }
    return out.list();
  },
});
export default rule;
