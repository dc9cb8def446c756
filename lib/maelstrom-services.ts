// The names of the services inside every Maelstrom-mode cluster, as Maelstrom
// gives them: key-value stores and a timestamp oracle. One container answers
// for all of them (sandbox/programs/services/services.ts); a report reads the
// names too, to know which lanes of its message journal are services.
export const SERVICE_NAMES = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}
