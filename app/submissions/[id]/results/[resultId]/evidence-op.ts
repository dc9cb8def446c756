// The operations of a linearizability counterexample as the checker stores
// them (lib/checkers/evidence.ts, EvidenceOp), and how the report names
// them: "write 3", "read 2", "cas 1→4" (lin-kv values are [key, value]);
// a failure that saw something says so: "read: absent (error 20)", "cas 1→4
// refused (error 22)".
import type { EvidenceOp } from "@/lib/checkers/evidence";

export type { EvidenceOp };

export function isEvidenceOp(v: unknown): v is EvidenceOp {
  return typeof v === "object" && v !== null && "process" in v && "startUs" in v && "f" in v;
}

export function describeEvidenceOp(op: EvidenceOp): string {
  const v = op.value;
  const body = Array.isArray(v) ? v.slice(1) : [v];
  const refusal = op.type === "fail" && op.error ? ` (error ${op.error.code})` : "";
  if (op.f === "read") return op.type === "ok" ? `read ${JSON.stringify(body[0] ?? null)}` : op.error?.code === 20 ? `read: absent${refusal}` : `read ?${refusal}`;
  if (op.f === "write") return `write ${JSON.stringify(body[0] ?? null)}`;
  if (op.f === "cas") {
    const [from, to] = Array.isArray(body[0]) ? body[0] : [];
    return `cas ${JSON.stringify(from ?? null)}→${JSON.stringify(to ?? null)}${op.type === "fail" ? ` refused${refusal}` : ""}`;
  }
  return `${op.f} ${JSON.stringify(v)}`;
}
