// POST /api/courses/{course}/labs/{lab}/submissions: the lab page's submit
// form sends the chosen archive here as the request body (see
// app/api/form-upload.ts for why a route and who may call it). The same
// domain function as the API checks the lab, its opening, deadline and limits
// and takes an upload place before reading a byte, then reads no further than
// the lab's own limit, so the form takes every size the lab form allows.
// Answers 201 {id, url}, or the API's JSON errors.
import { NextResponse } from "next/server";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { createSubmission } from "@/lib/submissions/create-submission";
import { uploadSlots } from "@/lib/submissions/upload-slots";
import { requestUpload } from "@/lib/submissions/upload-source";
import { formUploader } from "../../../../../form-upload";
import { sessionRoute } from "../../../../../session-route";
import { errorResponse } from "../../../../../v1/api-route";

export const POST = sessionRoute(async function POST(request: Request, context: { params: Promise<{ course: string; lab: string }> }) {
  const who = await formUploader(request);
  if ("refusal" in who) return who.refusal;
  const { course, lab } = await context.params;
  try {
    const submission = await createSubmission({ db: db(), queue: gradingQueue(), uploadSlots: uploadSlots() }, who.actor, {
      courseSlug: course,
      labSlug: lab,
      upload: requestUpload(request),
    });
    return NextResponse.json({ id: submission.id, url: `/submissions/${submission.id}` }, { status: 201, headers: { "Cache-Control": "no-store" } });
  } catch (err) {
    return errorResponse(err);
  }
});
