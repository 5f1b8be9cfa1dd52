// A plain HTTP server on loopback for the client specs (what a client sends, and what it does with an answer).
// It records every request and answers each with `answer(request, n)` (n counts from 1); close() stops it.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export async function recordingServer(answer: (request: RecordedRequest, n: number) => Answer) {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const recorded = { method: req.method!, path: req.url!, headers: req.headers };
    requests.push(recorded);
    const n = requests.length;
    req.resume();
    req.on('end', () => {
      const { status, headers, body = '' } = answer(recorded, n);
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
