// Go command-line tools the harness uses (s5cmd for the bench, actionlint for the workflow), each pinned to
// one release and built project-locally into .tools/bin from the Go module proxy the first time it is needed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOOLS_BIN = join(fileURLToPath(new URL('../..', import.meta.url)), '.tools', 'bin');
/** The project venv's Python (`npm run bootstrap` installs requirements.txt into it): aws-sam-translator, cfn-lint. */
export const VENV_PYTHON = join(fileURLToPath(new URL('../..', import.meta.url)), '.venv', 'bin', 'python');

export interface GoTool {
  name: string;
  module: string;
  /** The main package inside the module, relative to its root ('.' when the module root is the command). */
  pkg: string;
  version: string;
}

export const S5CMD_TOOL: GoTool = { name: 's5cmd', module: 'github.com/peak/s5cmd/v2', pkg: '.', version: 'v2.2.2' };
export const ACTIONLINT_TOOL: GoTool = { name: 'actionlint', module: 'github.com/rhysd/actionlint', pkg: './cmd/actionlint', version: 'v1.7.12' };

export const toolPath = (tool: GoTool): string => join(TOOLS_BIN, tool.name);

/**
 * The tool's binary, built when missing: `go install module/pkg@version` first; a proxy that serves versions
 * but refuses the version list (go install reads it for deprecation notices) gets a fallback: `go mod
 * download` the pinned version and build it from the module cache. Undefined, with the reason logged, when
 * neither works (no Go toolchain, no proxy).
 */
export function ensureGoTool(tool: GoTool, log: (m: string) => void): string | undefined {
  const bin = toolPath(tool);
  if (existsSync(bin)) return bin;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    log(`${tool.name}: no Go toolchain on PATH (install Go, or put ${tool.name} ${tool.version} into .tools/bin)`);
    return undefined;
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  const target = `${tool.pkg === '.' ? tool.module : `${tool.module}/${tool.pkg.replace(/^\.\//, '')}`}@${tool.version}`;
  log(`${tool.name}: go install ${target} into .tools/bin (one time)...`);
  const env = { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' };
  const install = spawnSync('go', ['install', target], { env, encoding: 'utf8' });
  if (install.status === 0 && existsSync(bin)) return bin;
  const dl = spawnSync('go', ['mod', 'download', '-json', `${tool.module}@${tool.version}`], { env, encoding: 'utf8' });
  let dir: string | undefined;
  try {
    dir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
  } catch {
    dir = undefined;
  }
  if (dir) {
    const build = spawnSync('go', ['build', '-o', bin, tool.pkg], { cwd: dir, env, encoding: 'utf8' });
    if (build.status === 0 && existsSync(bin)) return bin;
    log(`${tool.name}: build failed: ${build.stderr.trim().split('\n').slice(-3).join(' ')}`);
  } else {
    log(`${tool.name}: could not fetch ${tool.module}@${tool.version}: ${(install.stderr || dl.stderr).trim().split('\n').slice(-2).join(' ')}`);
  }
  return undefined;
}
