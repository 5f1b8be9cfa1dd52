// Bundles the backup Lambda into one ESM file and zips it for CloudFormation/Lambda.
// `npm run build:lambda` prints the zip size; deploy scripts import buildLambda().
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, utimes } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cliProgram, displayPath, failAndExit } from './lib/cli.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LAMBDA_ENTRY = join(ROOT, 'lambda', 'src', 'handler.ts');
/** The restore verifier: a second entry in the same zip, so both functions deploy from one package. */
export const VERIFY_ENTRY = join(ROOT, 'lambda', 'src', 'verify-handler.ts');
export const LAMBDA_OUT_DIR = join(ROOT, 'dist', 'lambda');
export const LAMBDA_ZIP = join(LAMBDA_OUT_DIR, 'backup-lambda.zip');
/** The template's Handler property: index.mjs exporting `handler`. */
export const LAMBDA_HANDLER = 'index.handler';
/** The verifier function's Handler property: verify.mjs exporting `handler`. */
export const VERIFY_HANDLER = 'verify.handler';
/** What the zip holds: each entry's bundle and its source map. */
export const ZIP_FILES = ['index.mjs', 'index.mjs.map', 'verify.mjs', 'verify.mjs.map'];
export const LAMBDA_RUNTIME = 'nodejs24.x';

export interface LambdaBundle {
  zipPath: string;
  /** Hex SHA-256 of the zip: a content address for the code object key. */
  sha256: string;
  bytes: number;
}

export async function buildLambda(options: { outDir?: string } = {}): Promise<LambdaBundle> {
  const finalDir = options.outDir ?? LAMBDA_OUT_DIR;
  // Build in a private directory next to the output and rename the results into place: two deploys
  // building at once (parallel test runs) must never read each other's half-written zip.
  await mkdir(dirname(finalDir), { recursive: true });
  const outDir = await mkdtemp(`${finalDir}.build-`);
  try {
    const built = await buildInto(outDir);
    await mkdir(finalDir, { recursive: true });
    for (const name of [...ZIP_FILES, 'backup-lambda.zip']) await rename(join(outDir, name), join(finalDir, name));
    return { ...built, zipPath: join(finalDir, 'backup-lambda.zip') };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** A zip built elsewhere (a previous release's code), addressed by its SHA-256 like a fresh build. */
export async function zipBundle(zipPath: string): Promise<LambdaBundle> {
  const data = await readFile(zipPath);
  return { zipPath, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

async function buildInto(outDir: string): Promise<LambdaBundle> {
  const zipPath = join(outDir, 'backup-lambda.zip');
  await build({
    entryPoints: [
      { in: LAMBDA_ENTRY, out: 'index' },
      { in: VERIFY_ENTRY, out: 'verify' },
    ],
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Each entry is one self-contained file: no shared chunk to keep in step.
    splitting: false,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    // Error classes are identified by name (Lambda's errorType, logs); minification must not rename them.
    keepNames: true,
    treeShaking: true,
    sourcemap: 'linked',
    // The SDK is bundled (not taken from the runtime) so the deployed code runs the exact versions the
    // specs ran; node: builtins stay external.
    packages: 'bundle',
    legalComments: 'none',
    // Some bundled CommonJS (the SDK's dependencies) calls require(); ESM output has no require unless we
    // make one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    // Lambda's Node runtime honours NODE_OPTIONS=--enable-source-maps; the map rides along in the zip.
    logLevel: 'warning',
  });
  await zipFiles(outDir, zipPath, ZIP_FILES);
  return zipBundle(zipPath);
}

async function zipFiles(dir: string, zipPath: string, files: string[]): Promise<void> {
  // Fixed mtimes and -X (no uid/gid extras) make the zip a pure function of the code, so its SHA-256
  // can name the S3 code object and an unchanged Lambda is not redeployed.
  const epoch = new Date('2020-01-01T00:00:00Z');
  for (const f of files) await utimes(join(dir, f), epoch, epoch);
  try {
    execFileSync('zip', ['-q', '-X', '-9', zipPath, ...files], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    const detail = e.stderr?.toString().trim().split('\n')[0] || e.message;
    throw new Error(e.code === 'ENOENT' ? 'The `zip` command is required to package the Lambda (apt-get install zip)' : `zip failed: ${detail}`, { cause: err });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Exit 0 built, 1 the build failed (esbuild, no `zip`), 2 a bad flag: it takes none but --help.
  cliProgram('npm run build:lambda --', `Bundle the backup Lambda and the restore verifier and zip them (${LAMBDA_ZIP.replace(`${ROOT}/`, '')}).`).parse();
  buildLambda().then(
    (b) => console.log(`${displayPath(b.zipPath)}: ${(b.bytes / 1024).toFixed(1)} KiB (sha256 ${b.sha256.slice(0, 16)}...)`),
    (err: unknown) => failAndExit(`the Lambda build failed: ${err instanceof Error ? err.message : String(err)}`, 1),
  );
}
