// The pages opened from links staff hand out (invitations, password links)
// look the link up: unknown is a 404 (never "exists, but…"); expired or used
// up is said in words, on a card with the page's title.
import { StudentError } from "@/lib/errors";
import { sentence } from "./action-state";
import { orNotFound } from "./or-not-found";

export async function lookUpLink<T>(lookup: Promise<T>, title: string): Promise<{ found: T } | { problem: React.ReactElement }> {
  try {
    return { found: await orNotFound(lookup) };
  } catch (err) {
    if (!(err instanceof StudentError)) throw err;
    return {
      problem: (
        <section className="signin card">
          <h1>{title}</h1>
          <p role="alert">{sentence(err.message)}.</p>
        </section>
      ),
    };
  }
}
