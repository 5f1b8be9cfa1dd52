// What the harness starts listens on loopback only, and keeps its state in its own directory.
// (LocalStack runs Lambda code on the host: a port open on another interface is remote code execution.)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { createBucket, uniqueName } from '../../scripts/lib/aws/resources.ts';

/** Pids whose process group is `leader` (LocalStack and the Lambda processes it started). */
function groupPids(leader: number): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === leader;
    } catch {
      return false;
    }
  });
}

/** Inodes of the sockets those processes hold. */
function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return inodes;
}

/** Listening TCP addresses ("ip:port") of this machine, from /proc/net/tcp{,6}; only those sockets if given. */
function listeningAddresses(inodes?: Set<string>): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A' || (inodes && !inodes.has(cols[9] ?? ''))) continue; // 0A = LISTEN
      const [hex, port] = cols[1]!.split(':');
      const ip = hex!.length === 8
        ? hex!.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.')
        : hex === '00000000000000000000000001000000' ? '::1' : hex === '0'.repeat(32) ? '::' : hex!;
      out.push(`${ip}:${parseInt(port!, 16)}`);
    }
  }
  return out;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1):\d+$/;

test('whatever listens on the LocalStack port listens on loopback only, in every mode', ({ localstack }) => {
  const port = new URL(localstack.endpoint).port;
  const onPort = listeningAddresses().filter((a) => a.endsWith(`:${port}`));
  expect(onPort.length, `something listens on port ${port}`).toBeGreaterThan(0);
  for (const address of onPort) expect(address, 'a loopback address').toMatch(LOOPBACK);
});

test('container LocalStack is published on 127.0.0.1 only', ({ localstack }) => {
  test.skip(localstack.mode !== 'container', `LocalStack runs in ${localstack.mode} mode here`);
  const inspect = spawnSync('docker', ['inspect', '--format', '{{json .HostConfig.PortBindings}}', localstack.containerId!], { encoding: 'utf8' });
  const bindings = Object.values(JSON.parse(inspect.stdout) as Record<string, { HostIp: string }[]>).flat();
  expect(bindings.length).toBeGreaterThan(0);
  for (const binding of bindings) expect(binding.HostIp).toBe('127.0.0.1');
});

test('host LocalStack listens on loopback only and keeps S3 data in its own directory', async ({ localstack, target, s3 }) => {
  test.skip(localstack.mode !== 'host', `LocalStack runs in ${localstack.mode} mode here: its sockets are not this machine's processes`);
  const addresses = listeningAddresses(socketInodes(groupPids(localstack.pid!)));
  expect(addresses.length, 'LocalStack holds a listening socket').toBeGreaterThan(0);
  for (const address of addresses) expect(address, 'a loopback address').toMatch(LOOPBACK);

  const bucket = uniqueName('loopback');
  await createBucket(target, bucket);
  const shared = '/tmp/localstack-s3-storage';
  const sharedBefore = existsSync(shared) ? readdirSync(shared).length : 0;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'probe.txt', Body: 'probe' }));
  expect(existsSync(shared) ? readdirSync(shared).length : 0, 'nothing added to the shared S3 directory').toBe(sharedBefore);
  // LocalStack's tmp on the host is FILESYSTEM_ROOT (dataDir/fs) + the temp dir it was given (dataDir/tmp) + localstack.
  const storage = join(localstack.dataDir!, 'fs', localstack.dataDir!, 'tmp', 'localstack', 's3-storage');
  expect(existsSync(storage) ? readdirSync(storage).length : 0, `S3 object files in ${storage}`).toBeGreaterThan(0);
  expect(existsSync(join(localstack.dataDir!, 'fs', 'var', 'lib', 'localstack')), 'LocalStack state under FILESYSTEM_ROOT').toBe(true);
});
