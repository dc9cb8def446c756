"use client";
// The suite page's forms: the editor (problems listed by line) with a form
// that turns a pasted Maelstrom command into a test added to it, the per-version
// publish and dry-run buttons (these work without JavaScript too), and the
// reference upload, which posts the archive to our upload route
// (app/api/courses/[course]/labs/[lab]/references) so that it may be as large
// as the lab allows.
import { useRouter } from "next/navigation";
import { useActionState, useRef, useState, type FormEvent, type RefObject } from "react";
import { formatMiB } from "@/lib/labs/archive-size";
import { appendTestEntry } from "@/lib/suites/append-test-entry";
import { IDLE, type ActionState } from "../../../../../action-state";
import { FormMessage } from "../../../../../form-message";
import { postArchive, tooLargeForLab } from "../../../../../post-archive";
import { dryRunAction, maelstromTestAction, publishSuiteAction, saveSuiteAction, type PublishState } from "./actions";
import { PASTE_IDLE, type MaelstromPasteState } from "./maelstrom-paste-state";

type Ids = { courseSlug: string; labSlug: string };

function Hidden({ courseSlug, labSlug }: Ids) {
  return (
    <>
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
    </>
  );
}

export function SuiteEditor({ source, ...ids }: Ids & { source: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(saveSuiteAction, IDLE);
  const editor = useRef<HTMLTextAreaElement>(null);
  return (
    <>
      <form action={formAction} className="form form-wide" data-testid="suite-editor">
        <Hidden {...ids} />
        <label htmlFor="suite-source">Suite (YAML or JSON)</label>
        <textarea ref={editor} id="suite-source" name="source" className="code-input" rows={22} spellCheck={false} defaultValue={source} />
        <FormMessage message={state.message} ok={state.ok} problems={state.problems} />
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? "Checking…" : "Save as a new version"}
        </button>
      </form>
      <MaelstromPaste {...ids} editor={editor} />
    </>
  );
}

/**
 * A `maelstrom test …` line (as Fly.io's challenges print it) converted on the
 * server into a test of our format, shown with what was left out, and added
 * to the end of the editor's tests on request (nothing is saved until staff
 * save the suite).
 */
function MaelstromPaste({ editor, ...ids }: Ids & { editor: RefObject<HTMLTextAreaElement | null> }) {
  const [state, formAction, pending] = useActionState<MaelstromPasteState, FormData>(maelstromTestAction, PASTE_IDLE);
  const [added, setAdded] = useState<string | null>(null);
  function addToSuite(entry: string) {
    const textarea = editor.current;
    if (!textarea) return;
    const next = appendTestEntry(textarea.value, entry);
    if (next === null) return setAdded("The suite does not end with its tests: list; copy the test into it yourself.");
    textarea.value = next;
    setAdded("Added at the end of the suite above; save it to make a new version.");
  }
  return (
    <form
      action={(data) => {
        setAdded(null);
        formAction(data);
      }}
      className="form form-wide"
      data-testid="maelstrom-paste"
    >
      <Hidden {...ids} />
      <label htmlFor="maelstrom-command">Paste a Maelstrom command</label>
      <textarea
        id="maelstrom-command"
        name="command"
        className="code-input"
        rows={3}
        spellCheck={false}
        placeholder="./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100"
      />
      <label htmlFor="maelstrom-name">Test name (optional)</label>
      <input id="maelstrom-name" name="name" type="text" pattern="[a-z0-9][a-z0-9\-]{0,62}" placeholder="made from the workload and node count" />
      <button type="submit" className="button" disabled={pending}>
        {pending ? "Converting…" : "Convert to a test"}
      </button>
      <FormMessage message={state.message} ok={state.ok} problems={state.problems} />
      {state.notes && state.notes.length > 0 && (
        <ul className="muted" data-testid="maelstrom-notes">
          {state.notes.map((note, i) => (
            <li key={i}>{note}</li>
          ))}
        </ul>
      )}
      {state.ok && state.testYaml && (
        <>
          <pre className="code-block" data-testid="maelstrom-test">{state.testYaml}</pre>
          <button type="button" className="button button-primary" onClick={() => addToSuite(state.testYaml!)}>
            Add to the suite
          </button>
          {added && <p className="form-note" role="status">{added}</p>}
        </>
      )}
    </form>
  );
}

export function VersionActions({ version, published, ...ids }: Ids & { version: number; published: boolean }) {
  const [dry, dryAction, dryPending] = useActionState<ActionState, FormData>(dryRunAction, IDLE);
  const [pub, pubAction, pubPending] = useActionState<PublishState, FormData>(publishSuiteAction, IDLE);
  const last = pub.message ? pub : dry;
  return (
    <div className="inline-forms">
      <form action={dryAction}>
        <Hidden {...ids} />
        <input type="hidden" name="version" value={version} />
        <button type="submit" className="button" disabled={dryPending} aria-label={`Dry run version ${version}`}>
          {dryPending ? "Starting…" : "Dry run"}
        </button>
      </form>
      {!published && !pub.confirm && (
        <form action={pubAction}>
          <Hidden {...ids} />
          <input type="hidden" name="version" value={version} />
          <button type="submit" className="button button-primary" disabled={pubPending} aria-label={`Publish version ${version}`}>
            {pubPending ? "Publishing…" : "Publish"}
          </button>
        </form>
      )}
      {pub.confirm ? (
        // The server asked: never dry-run. Confirming sends the same form with the answer.
        <form action={pubAction} className="confirm" data-testid="publish-confirm">
          <Hidden {...ids} />
          <input type="hidden" name="version" value={version} />
          <input type="hidden" name="withoutDryRun" value="yes" />
          <p role="alert">{pub.confirm}</p>
          <button type="submit" className="button button-primary" disabled={pubPending}>
            {pubPending ? "Publishing…" : `Publish version ${version} without a dry run`}
          </button>
        </form>
      ) : (
        <FormMessage message={last.message} ok={last.ok} />
      )}
    </div>
  );
}

export function ReferenceUpload({ courseSlug, labSlug, maxArchiveBytes }: Ids & { maxArchiveBytes: number }) {
  const router = useRouter();
  const [state, setState] = useState<ActionState>(IDLE);
  const [pending, setPending] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const fileError = file ? tooLargeForLab(file.size, maxArchiveBytes) : null;

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (!file || file.size === 0) return setState({ message: "Choose a .tar.gz or .tar file to upload", ok: false });
    if (fileError) return;
    setPending(true);
    const query = new URLSearchParams({ name: String(form.get("name") ?? ""), expect: String(form.get("expectPass") ?? "pass") });
    const posted = await postArchive(`/api/courses/${encodeURIComponent(courseSlug)}/labs/${encodeURIComponent(labSlug)}/references?${query}`, file, "This lab is not in a course you teach");
    if (posted.ok) {
      setState({ message: `Reference solution "${String(posted.body.name)}" stored (${posted.body.expectPass ? "must pass" : "must fail"}).`, ok: true });
      router.refresh();
    } else {
      setState({ message: posted.message, ok: false });
    }
    setPending(false);
  }

  return (
    <form onSubmit={upload} className="form" data-testid="reference-upload">
      <label htmlFor="reference-name">Name</label>
      <input id="reference-name" name="name" type="text" required pattern="[a-z0-9][a-z0-9\-]{0,62}" placeholder="correct" />
      <label htmlFor="reference-expect">Expected result</label>
      <select id="reference-expect" name="expectPass" defaultValue="pass">
        <option value="pass">passes every test</option>
        <option value="fail">fails on purpose</option>
      </select>
      <label htmlFor="reference-archive">Archive (.tar.gz or .tar)</label>
      <input
        id="reference-archive"
        name="archive"
        type="file"
        accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar"
        required
        onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
      />
      <p className="muted">At most {formatMiB(maxArchiveBytes)}, the lab's limit.</p>
      <FormMessage message={fileError ?? state.message} ok={fileError ? false : state.ok} />
      <button type="submit" className="button" disabled={pending || fileError !== null}>
        {pending ? "Uploading…" : "Upload reference solution"}
      </button>
    </form>
  );
}
