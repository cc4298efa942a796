import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local AWS API emulator (kinesalite, dynalite) on loopback, with a client of it. */
export interface LocalEmulator<C> {
  endpoint: string;
  client: C;
  close(): Promise<void>;
}

/** Serves `server` on a free loopback port and makes its client; `close` ends both. */
export async function serveEmulator<C extends { destroy(): void }>(
  server: Server,
  makeClient: (endpoint: string) => C,
): Promise<LocalEmulator<C>> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = makeClient(endpoint);
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
