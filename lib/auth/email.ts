// Email addresses: stored normalised (trimmed, lower-case; the database's
// CHECK constraints in prisma/constraints.sql refuse anything else) and always
// compared exactly. Never `mode: "insensitive"`: Prisma turns that into ILIKE,
// where "%" and "_" in what a visitor typed match any address.
export function normaliseEmail(text: string): string {
  return text.trim().toLowerCase();
}
