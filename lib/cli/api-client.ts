// The command line's client of the REST API (/api/v1), typed from the API's
// own schemas (lib/api/schemas.ts): every answer is parsed with the schema the
// server built it with, so a server and a client that drifted apart say so
// instead of printing nonsense. A refusal becomes a CliError with the server's
// code and message (exit 2).
import type { z } from "zod";
import {
  coursesBody,
  labsBody,
  cancelledBody,
  labSubmissionsBody,
  progressEventBody,
  regradeProgressBody,
  regradeStartedBody,
  submissionBody,
  submissionCreatedBody,
  type regradeRequest,
} from "../api/schemas.js";
import type { Login } from "./config-store.js";
import { CliError } from "./errors.js";
import { countingStream } from "./upload-progress.js";

type Body = { upload: Buffer; onProgress: (sent: number) => void } | { json: unknown };

export type Submission = z.infer<typeof submissionBody>;
export type ProgressEvent = z.infer<typeof progressEventBody>;

const route = {
  lab: (course: string, lab: string) => `/courses/${encodeURIComponent(course)}/labs/${encodeURIComponent(lab)}`,
  submission: (id: string) => `/submissions/${encodeURIComponent(id)}`,
};

export class ApiClient {
  constructor(readonly login: Login) {}

  /** An absolute URL on the server (for links the API gives relative to it). */
  link(relative: string): URL {
    return new URL(relative, this.login.server);
  }

  /** One call; a refusal becomes a CliError with the server's code and message. */
  private async call(method: string, path: string, body?: Body): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(`/api/v1${path}`, this.login.server), {
        method,
        headers: { authorization: `Bearer ${this.login.token}`, ...(body ? { "content-type": "upload" in body ? "application/gzip" : "application/json" } : {}) },
        ...(body && "upload" in body ? { body: countingStream(body.upload, body.onProgress), duplex: "half" } : {}),
        ...(body && "json" in body ? { body: JSON.stringify(body.json) } : {}),
      });
    } catch (err) {
      throw new CliError(`cannot reach ${this.login.server}: ${(err as Error).message}`, 2);
    }
    if (!response.ok) {
      const json = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
      const error = json.error ?? { code: `http.${response.status}`, message: response.statusText };
      throw new CliError(`${error.message} (${error.code}, HTTP ${response.status})`, 2);
    }
    return response;
  }

  private async json<T>(schema: z.ZodType<T>, method: string, path: string, body?: Body): Promise<T> {
    const answer = await (await this.call(method, path, body)).json();
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new CliError(`the server answered ${method} ${path} in a shape this labgrade does not know (is one of them older than the other?): ${parsed.error.issues[0]?.message ?? "?"}`, 2);
    return parsed.data;
  }

  courses() {
    return this.json(coursesBody, "GET", "/courses");
  }

  labs(course: string) {
    return this.json(labsBody, "GET", `/courses/${encodeURIComponent(course)}/labs`);
  }

  submit(course: string, lab: string, archive: Buffer, onProgress: (sent: number) => void) {
    return this.json(submissionCreatedBody, "POST", `${route.lab(course, lab)}/submissions`, { upload: archive, onProgress });
  }

  submission(id: string) {
    return this.json(submissionBody, "GET", route.submission(id));
  }

  cancel(id: string) {
    return this.json(cancelledBody, "POST", `${route.submission(id)}/cancel`);
  }

  labSubmissions(course: string, lab: string, query: URLSearchParams) {
    return this.json(labSubmissionsBody, "GET", `${route.lab(course, lab)}/submissions?${query}`);
  }

  async gradesCsv(course: string): Promise<string> {
    return (await this.call("GET", `/courses/${encodeURIComponent(course)}/grades.csv`)).text();
  }

  startRegrade(course: string, lab: string, request: z.infer<typeof regradeRequest>) {
    return this.json(regradeStartedBody, "POST", `${route.lab(course, lab)}/regrades`, { json: request });
  }

  /** A regrade batch's progress, by the URL its start gave. */
  regradeProgress(url: string) {
    return this.json(regradeProgressBody, "GET", url.replace(/^\/api\/v1/, ""));
  }

  /** Calls `onEvent` with each progress event of the submission's stream until the stream ends (final status, or the server's limit). */
  async followEvents(id: string, onEvent: (event: ProgressEvent) => void): Promise<void> {
    const response = await fetch(new URL(`/api/v1${route.submission(id)}/events`, this.login.server), {
      headers: { authorization: `Bearer ${this.login.token}`, accept: "text/event-stream" },
    });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const decoder = new TextDecoder();
    let buffered = "";
    const reader = response.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block.split("\n").find((l) => l.startsWith("data: "));
        if (!block.startsWith("event: progress") || !data) continue;
        const event = progressEventBody.safeParse(JSON.parse(data.slice(6)));
        if (event.success) onEvent(event.data);
      }
    }
  }
}
