// This machine's own engine behind a TLS listener on loopback, checked as
// dockerd's `--tlsverify` checks: a client must present a certificate signed
// by the given CA, and the listener's own certificate (for 127.0.0.1) is
// signed by that CA too. With it a runner drives the local engine over TLS,
// as runners do when every engine host shares one CA (`--ca`), without
// restarting the shared dockerd. Invariant: close() ends every connection and
// the listener.
import { readFile } from "node:fs/promises";
import net from "node:net";
import tls from "node:tls";

export interface TlsEngineFront {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** `serverCert` and `serverKey` name 127.0.0.1 and are signed by `caFile`'s CA. */
export async function startTlsEngineFront(opts: { socketPath: string; caFile: string; serverCert: string; serverKey: string }): Promise<TlsEngineFront> {
  const [ca, cert, key] = await Promise.all([readFile(opts.caFile), readFile(opts.serverCert), readFile(opts.serverKey)]);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true }, (client) => {
    const engine = net.connect(opts.socketPath);
    for (const s of [client, engine]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(engine);
    engine.pipe(client);
    client.on("close", () => engine.destroy());
    engine.on("close", () => client.destroy());
  });
  server.on("tlsClientError", () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
  });
  return {
    endpoint: `tcp://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
