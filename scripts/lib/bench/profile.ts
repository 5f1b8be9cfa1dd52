// Pure: where a `node --cpu-prof` profile of the handler process spends its CPU, as self time by function and by
// file (a package for node_modules, the project path otherwise). Idle time (waiting on S3) is left out of the
// shares: the question is what the CPU the process does use goes to.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of V8's .cpuprofile format read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples?: number[];
  /** Microseconds before each sample. */
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Share of the profile's non-idle time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Sampled CPU time (all but "(idle)"), and the idle time beside it. */
  busyMs: number;
  idleMs: number;
  byFunction: ProfileEntry[];
  byFile: ProfileEntry[];
}

/** "@smithy/core" for node_modules/@smithy/core/dist-cjs/..., "lambda/src/document.ts" for project files, "(native)" without a url. */
export function fileLabel(url: string, root: string): string {
  if (!url) return '(native)';
  let path = url;
  if (url.startsWith('file://')) {
    try {
      path = fileURLToPath(url);
    } catch {
      path = url;
    }
  }
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? path);
  }
  return path.startsWith('/') ? relative(root, path) : path;
}

export function summarizeProfile(profile: CpuProfile, root: string, top = 15): ProfileSummary {
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0 && deltas.length === samples.length) {
    // Each sample stands for the interval up to the next one (the last: none measured, so the mean).
    const mean = (profile.endTime - profile.startTime) / samples.length;
    samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (i + 1 < deltas.length ? deltas[i + 1]! : mean)));
  } else {
    const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
    const per = total ? (profile.endTime - profile.startTime) / total : 0;
    for (const n of profile.nodes) selfUs.set(n.id, (n.hitCount ?? 0) * per);
  }
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const file = url ? fileLabel(url, root) : functionName;
    const fn = url ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}` : functionName || '(anonymous)';
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const entries = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, share: busy ? +(us / busy).toFixed(3) : 0 }));
  return { busyMs: Math.round(busy / 1000), idleMs: Math.round(idle / 1000), byFunction: entries(byFunction), byFile: entries(byFile) };
}

export interface ProfileDiffRow {
  name: string;
  /** Sampled self time per document, in microseconds. */
  handlerUs: number;
  sdkLoopUs: number;
  differenceUs: number;
}

/**
 * Per document, file by file: the handler's sampled self time against the SDK loop's (both profiled the same way),
 * largest difference first: where the handler spends beyond its requests. Files outside a profile's top list count 0.
 */
export function profileDiff(handler: { documents: number; summary: ProfileSummary }, sdkLoop: { documents: number; summary: ProfileSummary }, top = 10): ProfileDiffRow[] {
  const perDoc = (p: { documents: number; summary: ProfileSummary }) => new Map(p.summary.byFile.map((e) => [e.name, p.documents ? (e.selfMs * 1000) / p.documents : 0]));
  const h = perDoc(handler);
  const s = perDoc(sdkLoop);
  return [...new Set([...h.keys(), ...s.keys()])]
    .map((name) => {
      const handlerUs = Math.round(h.get(name) ?? 0);
      const sdkLoopUs = Math.round(s.get(name) ?? 0);
      return { name, handlerUs, sdkLoopUs, differenceUs: handlerUs - sdkLoopUs };
    })
    .sort((a, b) => b.differenceUs - a.differenceUs)
    .slice(0, top);
}
