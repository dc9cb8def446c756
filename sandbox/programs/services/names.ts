// The names of the services inside every Maelstrom-mode cluster (kept in lib,
// which the report reads them from too). All are answered by one container
// (services.ts) at one address.
export { SERVICE_NAMES, type ServiceName } from "../../../lib/maelstrom-services.js";

/** Where the runner tells the services which nodes a partition cut off (the container's loopback only). */
export const CONTROL_PORT = 7002;
