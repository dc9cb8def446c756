// The runner announces each change of a submission on Redis
// (`<prefix>:progress:<id>`, runner/worker.ts). A web process follows those
// announcements for its open event streams through one subscriber connection,
// whatever the number of streams: a channel is subscribed while somebody
// listens to it and unsubscribed when the last listener leaves. The
// announcements' contents are not passed on (they name hidden tests'
// verdicts); a listener is only told that something changed.
import { Redis } from "ioredis";

type Listener = () => void;

export class ProgressChannel {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscriber: Redis;

  constructor(redisUrl: string, private readonly prefix: string) {
    // Without Redis the streams still move at their polling rate: errors are
    // not thrown at anyone, and ioredis subscribes again after a reconnect.
    this.subscriber = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: "labgrade-progress" });
    this.subscriber.on("error", () => undefined);
    this.subscriber.on("message", (channel: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener();
    });
  }

  /** Calls `listener` whenever the runner announces a change of submission `id`, until the returned function is called. */
  watch(id: string, listener: Listener): () => void {
    const channel = `${this.prefix}:progress:${id}`;
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      void this.subscriber.subscribe(channel).catch(() => undefined);
    }
    set.add(listener);
    return () => {
      // A set leaves the map once empty, so only its last listener's leaving unsubscribes.
      if (!set.delete(listener) || set.size > 0) return;
      this.listeners.delete(channel);
      void this.subscriber.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Channels with a listener (for tests and diagnostics). */
  get channels(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
  }
}

let shared: ProgressChannel | undefined;

/** The web process's one ProgressChannel. */
export function progressChannel(redisUrl: string, prefix: string): ProgressChannel {
  shared ??= new ProgressChannel(redisUrl, prefix);
  return shared;
}
