// The operations of a linearizability counterexample as the checker stores
// them (lib/checkers/linearizable.ts evidenceOp), and how the report names
// them: "write 3", "read 2", "cas 1→4" (lin-kv values are [key, value]).
export interface EvidenceOp {
  process: number;
  f: string;
  type: string;
  value: unknown;
  startUs: number;
  endUs: number | null;
}

export function isEvidenceOp(v: unknown): v is EvidenceOp {
  return typeof v === "object" && v !== null && "process" in v && "startUs" in v && "f" in v;
}

export function describeEvidenceOp(op: EvidenceOp): string {
  const v = op.value;
  const body = Array.isArray(v) ? v.slice(1) : [v];
  if (op.f === "read") return `read ${op.type === "ok" ? JSON.stringify(body[0] ?? null) : "?"}`;
  if (op.f === "write") return `write ${JSON.stringify(body[0] ?? null)}`;
  if (op.f === "cas") {
    const [from, to] = Array.isArray(body[0]) ? body[0] : [];
    return `cas ${JSON.stringify(from ?? null)}→${JSON.stringify(to ?? null)}`;
  }
  return `${op.f} ${JSON.stringify(v)}`;
}
