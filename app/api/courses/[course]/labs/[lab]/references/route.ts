// POST /api/courses/{course}/labs/{lab}/references?name=correct&expect=pass:
// the suite page's reference upload sends the archive here as the request
// body (see app/api/form-upload.ts for why a route and who may call it).
// Instructors only; the archive is read no further than the lab's limit,
// validated like a submission, and stored under its name (replacing one of
// the same name). Answers 201 {name, expectPass}, or the API's JSON errors.
import { NextResponse } from "next/server";
import { z } from "zod";
import { db } from "@/lib/db";
import { uploadSlots } from "@/lib/submissions/upload-slots";
import { requestUpload } from "@/lib/submissions/upload-source";
import { uploadReferenceSolution } from "@/lib/suites/suite-versions";
import { formUploader } from "../../../../../form-upload";
import { sessionRoute } from "../../../../../session-route";
import { errorResponse } from "../../../../../v1/api-route";

const query = z.strictObject({
  /** The reference's name (checked by uploadReferenceSolution). */
  name: z.string().max(200).default(""),
  /** Whether it must pass every test ("pass") or fail on purpose ("fail"). */
  expect: z.enum(["pass", "fail"], { message: "expect: pass or fail" }),
});

export const POST = sessionRoute(async function POST(request: Request, context: { params: Promise<{ course: string; lab: string }> }) {
  const who = await formUploader(request);
  if ("refusal" in who) return who.refusal;
  const { course, lab } = await context.params;
  try {
    const { name, expect } = query.parse(Object.fromEntries(new URL(request.url).searchParams));
    const reference = await uploadReferenceSolution(
      db(),
      who.actor,
      { courseSlug: course, labSlug: lab, name, expectPass: expect === "pass", upload: requestUpload(request) },
      { uploadSlots: uploadSlots() },
    );
    return NextResponse.json({ name: reference.name, expectPass: reference.expectPass }, { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
});
