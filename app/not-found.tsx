// The 404 page. Also what a user sees for something that exists in a course
// they do not belong to: the two are deliberately indistinguishable.
import Link from "next/link";

export default function NotFound() {
  return (
    <section className="card empty-state">
      <h1>Page not found</h1>
      <p className="muted">This page does not exist, or you do not have access to it.</p>
      <p>
        <Link href="/">Back to my courses</Link>
      </p>
    </section>
  );
}
