import http from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CLAIM_GRACE_MS, Extension } from '../../../../src/lambda/extension';
import { ExtensionsApi } from '../../../../src/lambda/extensions-api';

type Answer = { status: number; body: string; headers?: Record<string, string> } | 'reset';

/**
 * An Extensions API that answers from a script, then holds every further request. It is never
 * closed (only unref'd): an extension's loop then waits in a held next instead of spinning on
 * refused connections for the rest of the run.
 */
async function api(answers: Answer[]): Promise<{ api: ExtensionsApi; calls: string[] }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const answer = answers.shift();
    if (answer === undefined) return;
    if (answer === 'reset') return req.socket.destroy();
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return { api: new ExtensionsApi(`127.0.0.1:${(server.address() as AddressInfo).port}`), calls };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const NEXT = 'GET /2020-01-01/extension/event/next';
const invoke = (requestId: string, deadlineMs: number): Answer => ({
  status: 200,
  body: JSON.stringify({ eventType: 'INVOKE', requestId, deadlineMs }),
});

describe('ExtensionsApi.register', () => {
  it('returns the identifier Lambda gives', async () => {
    const { api: client, calls } = await api([
      { status: 200, body: '{}', headers: { 'Lambda-Extension-Identifier': 'ext-1' } },
    ]);
    await expect(client.register('hoptrace', ['INVOKE'])).resolves.toBe('ext-1');
    expect(calls).toEqual(['POST /2020-01-01/extension/register']);
  });

  it.each<[string, Answer, RegExp]>([
    [
      'a refusal',
      { status: 403, body: '{"errorType":"Extension.RegistrationClosed"}' },
      /^HTTP 403: \{"errorType":"Extension.RegistrationClosed"\}$/,
    ],
    ['a 200 without an identifier', { status: 200, body: '{}' }, /no Lambda-Extension-Identifier/],
    ['a reset connection', 'reset', /socket hang up|ECONNRESET/],
  ])('rejects with why on %s', async (_, answer, why) => {
    const { api: client } = await api([answer]);
    await expect(client.register('hoptrace', ['INVOKE'])).rejects.toThrow(why);
  });
});

/** A server that writes each request's answer as the raw pieces given (END ends the connection), and counts connections. */
async function rawApi(
  answers: Array<string[] | 'close'>,
): Promise<{ api: ExtensionsApi; connections: () => number; requests: string[] }> {
  const requests: string[] = [];
  let connections = 0;
  const server = createServer((socket: Socket) => {
    connections++;
    let seen = '';
    socket.on('data', async (chunk) => {
      seen += chunk.toString('latin1');
      for (let end = seen.indexOf('\r\n\r\n'); end >= 0; end = seen.indexOf('\r\n\r\n')) {
        requests.push(seen.slice(0, end));
        seen = seen.slice(end + 4);
        const answer = answers.shift();
        if (answer === undefined) return;
        if (answer === 'close') return socket.destroy();
        // Each piece in a write of its own, a turn apart: the client gets them as separate reads.
        for (const piece of answer) {
          if (piece === END) socket.end();
          else socket.write(piece);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return {
    api: new ExtensionsApi(`127.0.0.1:${(server.address() as AddressInfo).port}`),
    connections: () => connections,
    requests,
  };
}

const END = '<end>';
const event = (requestId: string): string => JSON.stringify({ eventType: 'INVOKE', requestId, deadlineMs: 1 });
const withLength = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('ExtensionsApi.next', () => {
  it('polls on one kept-alive connection, answers split anywhere, chunked ones too', async () => {
    const split = withLength(event('b'));
    const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n${event('c').slice(0, 5)}\r\n${(event('c').length - 5).toString(16)}\r\n${event('c').slice(5)}\r\n0\r\n\r\n`;
    const {
      api: client,
      connections,
      requests,
    } = await rawApi([
      [withLength(event('a'))],
      [split.slice(0, 10), split.slice(10, 60), split.slice(60)],
      [chunked.slice(0, 40), chunked.slice(40)],
    ]);
    await expect(client.next('ext-1')).resolves.toMatchObject({ eventType: 'INVOKE', requestId: 'a' });
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'b' });
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'c' });
    expect(connections()).toBe(1);
    expect(requests).toHaveLength(3);
    for (const request of requests)
      expect(request).toMatch(
        /^GET \/2020-01-01\/extension\/event\/next HTTP\/1\.1\r\n[^]*\r\nLambda-Extension-Identifier: ext-1$/,
      );
  });

  it('rejects when the connection closes before the answer, and the next poll connects again', async () => {
    const { api: client, connections } = await rawApi(['close', [withLength(event('a'))]]);
    await expect(client.next('ext-1')).rejects.toThrow(/closed before the answer|ECONNRESET/);
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'a' });
    expect(connections()).toBe(2);
  });

  it('opens a new connection after an answer that closes its own, or one whose body ends with it', async () => {
    const noLength = `HTTP/1.1 200 OK\r\n\r\n${event('b')}`;
    const { api: client, connections } = await rawApi([
      [withLength(event('a'), 'Connection: close\r\n')],
      [noLength, END],
      [withLength(event('c'))],
    ]);
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'a' });
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'b' });
    await expect(client.next('ext-1')).resolves.toMatchObject({ requestId: 'c' });
    expect(connections()).toBe(3);
  });

  it('rejects an answer that is not HTTP, or has a malformed length, with why', async () => {
    const { api: client } = await rawApi([
      ['SSH-2.0-OpenSSH\r\n\r\n'],
      ['HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n'],
    ]);
    await expect(client.next('ext-1')).rejects.toThrow(/not an HTTP response: "SSH-2.0-OpenSSH"/);
    await expect(client.next('ext-1')).rejects.toThrow(/malformed Content-Length: -3/);
  });
});

describe('Extension.run', () => {
  it('calls next again after every failure: an error status, a reset, a body that is not JSON, an unknown event', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { api: client, calls } = await api([
      { status: 500, body: 'boom' },
      'reset',
      { status: 200, body: 'not json' },
      { status: 200, body: '{"eventType":"SHUTDOWN"}' },
    ]);
    void new Extension(client, 'ext-1', undefined).run();
    await vi.waitFor(() => expect(calls).toHaveLength(5), { timeout: 5000 });
    expect(calls).toEqual([NEXT, NEXT, NEXT, NEXT, NEXT]);
  });

  it('holds an invocation until the wrapper’s export of it settles', async () => {
    const { api: client, calls } = await api([invoke('req-1', Date.now() + 60_000)]);
    const extension = new Extension(client, 'ext-1', undefined);
    extension.attach();
    void extension.run();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    extension.claim('req-1');
    let release!: () => void;
    extension.afterResponse('req-1', () => new Promise<void>((resolve) => (release = resolve)));
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
    release();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
  });

  it('lets go at the deadline when no export settles it', async () => {
    const { api: client, calls } = await api([invoke('req-1', Date.now() + 100)]);
    const extension = new Extension(client, 'ext-1', undefined);
    extension.attach();
    extension.claim('req-1');
    void extension.run();
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 5000 });
  });

  it('holds no invocation that no wrapped handler claimed, though a wrapper uses it', async () => {
    const { api: client, calls } = await api([invoke('req-1', Date.now() + 60_000)]);
    const extension = new Extension(client, 'ext-1', undefined);
    extension.attach();
    const started = Date.now();
    void extension.run();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    // Released after the grace for a late claim, not near the deadline a minute away.
    expect(Date.now() - started).toBeLessThan(30_000);
    // A claim after the release is refused: that invocation then exports before its return.
    expect(extension.claim('req-1')).toBe(false);
    expect(extension.claim('req-2')).toBe(true);
  });

  it('takes a claim that arrived while the process was starved past the grace: its I/O runs before the grace is judged over', async () => {
    const { api: client, calls } = await api([invoke('req-1', Date.now() + 60_000)]);
    const extension = new Extension(client, 'ext-1', undefined);
    extension.attach();
    // The claim comes as I/O, as the runtime's invocation does: a byte on a loopback socket.
    const claims: boolean[] = [];
    const server = createServer((socket) => socket.on('data', () => claims.push(extension.claim('req-1'))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    const sender = connect((server.address() as AddressInfo).port, '127.0.0.1');
    onTestFinished(() => void sender.destroy());
    await new Promise((resolve) => sender.once('connect', resolve));
    void extension.run();
    const slots = (extension as unknown as { slots: Map<string, { held: boolean }> }).slots;
    await vi.waitFor(() => expect(slots.get('req-1')?.held).toBe(true), { interval: 1 });
    // The byte is on its way, then the process gets no CPU for longer than the grace: on waking,
    // the grace's timer is due before the byte's callback runs.
    sender.write('x');
    const until = performance.now() + CLAIM_GRACE_MS * 2;
    while (performance.now() < until);
    await vi.waitFor(() => expect(claims).toEqual([true]));
    expect(calls).toHaveLength(1);
  });

  it('counts the time spent waiting in next as asleep', async () => {
    const { api: client, calls } = await api([]);
    const extension = new Extension(client, 'ext-1', undefined);
    void extension.run();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const before = extension.asleepMs();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(extension.asleepMs() - before).toBeGreaterThanOrEqual(25);
  });

  it('holds nothing when no wrapper uses it', async () => {
    const { api: client, calls } = await api([invoke('req-1', Date.now() + 60_000)]);
    void new Extension(client, 'ext-1', undefined).run();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
  });
});

describe('Extension.shutdown', () => {
  it('counts the wait in next as awake from SIGTERM on: Lambda thawed the sandbox to send it', async () => {
    const { api: client, calls } = await api([]);
    const extension = new Extension(client, 'ext-1', undefined);
    void extension.run();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await extension.shutdown(Date.now() + 100);
    const atShutdown = extension.asleepMs();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(extension.asleepMs()).toBe(atShutdown);
  });
});
