// The cfn-lint package whose bundled data the rule tables are generated from (scripts/rules-*.ts): the one
// in the project's venv unless a path is given, with its version for the generated file's header.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliProgram, failAndExit, userPath } from './cli.ts';

export interface CfnLintData {
  dir: string;
  version: string;
}

/** cfn-lint's package directory in the venv under `root` (bootstrap installs it there), or undefined without a venv. */
export function venvCfnlintDir(root: string): string | undefined {
  const lib = join(root, '.venv', 'lib');
  if (!existsSync(lib)) return undefined;
  return join(lib, readdirSync(lib).find((d) => d.startsWith('python')) ?? 'python3', 'site-packages', 'cfnlint');
}

/** Parses the generator's command line (`[path/to/site-packages/cfnlint]`) with the project's CLI contract. */
export function cfnlintFromArgs(name: string, description: string): CfnLintData {
  const program = cliProgram(name, description).argument('[cfnlint-dir]', "cfn-lint's package directory (default: the one in .venv)");
  program.parse();
  const given = program.args[0];
  const dir = given ? userPath(given) : (venvCfnlintDir('.') ?? '');
  if (!dir || !existsSync(join(dir, 'version.py'))) {
    failAndExit(`${dir || '.venv'} is not a cfn-lint package directory: run \`npm run bootstrap\` or give its path`, 2);
  }
  const version = /__version__\s*=\s*"([^"]+)"/.exec(readFileSync(join(dir, 'version.py'), 'utf8'))?.[1] ?? 'unknown';
  return { dir, version };
}
