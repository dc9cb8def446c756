// Maps the domain's NotFoundError (which also stands for "exists, but not for
// you") and ForbiddenError (a member asking for a staff page) to Next's 404
// page: a page never confirms what the visitor may not see. Every other error
// propagates.
import { notFound } from "next/navigation";
import { ForbiddenError, NotFoundError } from "@/lib/errors";

export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ForbiddenError) notFound();
    throw err;
  }
}
