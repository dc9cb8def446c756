// What the suite editor's "paste a Maelstrom command" form shows after a
// conversion (shared by the form, in the browser, and its action).
import type { ActionState } from "../../../../../action-state";

export interface MaelstromPasteState extends ActionState {
  /** The converted test, as an entry of `tests:`, when the command could be one. */
  testYaml?: string;
  /** Flags left out and why, and what was read differently. */
  notes?: string[];
}

export const PASTE_IDLE: MaelstromPasteState = { message: null, ok: false };
