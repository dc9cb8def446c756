// Maps the domain's NotFoundError (which also stands for "exists, but not for
// you") to Next's 404 page. Every other error propagates.
import { notFound } from "next/navigation";
import { NotFoundError } from "@/lib/errors";

export async function orNotFound<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof NotFoundError) notFound();
    throw err;
  }
}
