// The names of the services inside every Maelstrom-mode cluster, as Maelstrom
// gives them: key-value stores and a timestamp oracle. All are answered by one
// container (services.ts) at one address.
export const SERVICE_NAMES = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where the runner tells the services which nodes a partition cut off (the container's loopback only). */
export const CONTROL_PORT = 7002;
