// /: the courses the signed-in user belongs to.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { listMyCourses } from "@/lib/courses/access";
import { db } from "@/lib/db";

const ROLE_LABEL = { OWNER: "Owner", INSTRUCTOR: "Instructor", TA: "Teaching assistant", STUDENT: "Student" } as const;

export default async function MyCoursesPage() {
  const actor = await requireActor("/");
  const courses = await listMyCourses(db(), actor);
  return (
    <>
      <h1>My courses</h1>
      {courses.length === 0 ? (
        <p className="card empty-state muted">You are not enrolled in any course yet. Your course staff will invite you.</p>
      ) : (
        <ul className="card-list">
          {courses.map((course) => (
            <li key={course.id} className="card">
              <h2>
                <Link href={`/courses/${course.slug}`}>{course.title}</Link>
              </h2>
              <p className="muted">
                {course.term && <>{course.term} · </>}
                {ROLE_LABEL[course.role]}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
