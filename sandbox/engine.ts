// Which Docker engine a client drives, and a client for another engine. Each
// GradingAttempt records its engine (the ID `docker info` reports, and the
// endpoint its runner used: a socket path or tcp://host:port, never a
// credential), so a runner that takes a job over knows where the earlier
// attempts' containers, networks and volumes are, on this engine or another.
// Another engine is only ever reached over TLS, with the same client
// certificate this runner presents to its own engine, and only trusted once it
// reports the recorded ID.
import Docker from "dockerode";

export interface EngineIdentity {
  /** `docker info`'s ID: stable across restarts, distinct per engine (its key, /etc/docker/key.json). */
  id: string;
  /** How this runner reaches it: "unix:///var/run/docker.sock" or "tcp://10.0.0.7:2376". */
  endpoint: string;
}

/** The parts of docker-modem's state this module reads (dockerode types the modem as any). */
interface ModemState {
  socketPath?: string | (() => Promise<string>);
  host?: string;
  port?: string | number;
  protocol?: string;
  ca?: string | string[] | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

const modemOf = (docker: Docker) => docker.modem as ModemState;

/** The endpoint a client uses, in DOCKER_HOST's words. */
export async function endpointOf(docker: Docker): Promise<string> {
  const modem = modemOf(docker);
  if (modem.host) return `tcp://${modem.host}:${modem.port}`;
  const socket = typeof modem.socketPath === "function" ? await modem.socketPath() : modem.socketPath;
  return `unix://${socket ?? "/var/run/docker.sock"}`;
}

const identities = new WeakMap<Docker, Promise<EngineIdentity>>();

/** The engine a client drives (asked once per client; a failed question is asked again next time). */
export function engineOf(docker: Docker): Promise<EngineIdentity> {
  let identity = identities.get(docker);
  if (!identity) {
    identity = Promise.all([docker.info() as Promise<{ ID?: string }>, endpointOf(docker)]).then(([info, endpoint]) => {
      if (!info.ID) throw new Error(`the Docker engine at ${endpoint} reports no ID`);
      return { id: info.ID, endpoint };
    });
    identities.set(docker, identity);
    identity.catch(() => identities.delete(docker));
  }
  return identity;
}

/** Why another engine could not be reached, or a client for it that has shown the expected ID. */
export type PeerEngine = { docker: Docker } | { unreachable: string };

/**
 * A client for the engine recorded as `engine`, with this client's TLS material; it must answer
 * with the recorded ID within `answerMs` (an engine whose host drops our packets would otherwise
 * hold the grading for the kernel's two minutes of SYN retries).
 */
export async function connectPeerEngine(own: Docker, engine: EngineIdentity, opts: { answerMs?: number } = {}): Promise<PeerEngine> {
  const match = /^tcp:\/\/(.+):(\d+)$/.exec(engine.endpoint);
  if (!match) return { unreachable: `its endpoint ${engine.endpoint} is a local socket of another machine` };
  const modem = modemOf(own);
  if (modem.protocol !== "https" || !modem.ca || !modem.cert || !modem.key) {
    return { unreachable: "this runner has no TLS client certificate (it drives its own engine by a socket or without TLS)" };
  }
  // docker-modem's connectionTimeout bounds the wait for a response's headers (its `timeout` starts only once connected).
  const client = (answerMs: number) => {
    const options: Docker.DockerOptions & { connectionTimeout?: number } = { host: match[1], port: Number(match[2]), protocol: "https", ca: modem.ca, cert: modem.cert, key: modem.key, connectionTimeout: answerMs };
    return new Docker(options);
  };
  try {
    const info = (await client(opts.answerMs ?? 5000).info()) as { ID?: string };
    if (info.ID !== engine.id) return { unreachable: `${engine.endpoint} now answers as engine ${info.ID}, not ${engine.id}` };
  } catch (err) {
    return { unreachable: `${engine.endpoint} did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
  // Removing a container answers once it is gone: give that time.
  return { docker: client(60_000) };
}
