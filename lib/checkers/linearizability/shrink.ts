// Shrinking a violation the search proved, generic over the model: to the
// prefix ending where the impossible operation returned, then (first trying
// the impossible operation with the last change before it alone) to the
// latest cut of the front that still fails, then by deleting chunks of operations
// that the model says may go together, while what remains still fails. Every
// step keeps "not linearizable" true of what remains, so the evidence is a
// faithful explanation of the real history rather than an artefact of
// cutting it.
import type { Model, SearchOp } from "./model.js";
import { searchLinearization, type Budget } from "./search.js";

/**
 * The history as it stood when the definite operation returning at `cut`
 * completed: later invocations are left out, and operations still running
 * then become indeterminate. If a prefix is not linearizable neither is the
 * whole (every linearization of the whole restricts to one of the prefix),
 * so the first non-linearizable prefix pins the operation whose completion
 * made the history impossible.
 */
export function prefixAt<O extends SearchOp<unknown>>(ops: readonly O[], cut: number): O[] {
  return ops.filter((o) => o.call < cut).map((o) => (o.ret <= cut ? o : { ...o, definite: false, ret: Infinity }));
}

/**
 * The history from position `from` on, to be searched from the model's "any" state:
 * operations that completed before `from` are left out (their effect is
 * folded into "whatever the value was at `from`"), and operations running at
 * `from` become optional, invoked at `from` (if one took effect earlier, that
 * too is in the value at `from`), keeping their return. Any linearization of
 * the whole gives one of this, so if this fails the whole fails; and cutting
 * later only relaxes more.
 */
export function suffixFrom<O extends SearchOp<unknown>>(ops: readonly O[], from: number): O[] {
  return ops.filter((o) => o.ret > from).map((o) => (o.call >= from ? o : { ...o, definite: false, call: from }));
}

export interface Shrunk<O> {
  ops: O[];
  /** The operation whose completion made the history impossible, when found. */
  culprit?: O;
  /** The model's "any" state when the history before `from` was cut off; its initial state otherwise. */
  initial: number;
  /** Where the evidence starts, when cut at the front: the operation invoked there. */
  from?: O;
  /** Whether shrinking ran to the end (false: the budget ran out first). */
  complete: boolean;
}

/**
 * Shrinks a key's non-linearizable history, given the frontier of the search
 * that failed on it: to the prefix ending where the culprit returned, then to
 * the latest front cut that still fails (failing front cuts are monotone, and
 * the latest is usually close to the culprit, so it is found by galloping
 * back from it), then by deleting chunks of operations with halving chunk
 * sizes (as in delta debugging) while the remainder still fails and every
 * deletion is sound.
 */
export function shrinkViolation<I, O extends SearchOp<I>>(model: Model<I>, ops: readonly O[], frontier: number, budget: Budget, reuse: boolean): Shrunk<O> {
  const prefix = prefixAt(ops, frontier);
  const culprit = prefix.find((o) => o.definite && o.ret === frontier);
  if (!culprit) return { ops: [...ops], initial: model.initial, complete: false };
  if (model.failsAlone(culprit, prefix)) return { ops: [culprit], culprit, initial: model.initial, complete: true };
  // Without an "any" state, the front stays as it is.
  const any = model.any;

  // Most violations are one operation that cannot follow the last change
  // completed before it began (a stale read, a lost write): that pair, from
  // "any" state at the change's invocation, is tried first, by the same
  // sound steps as below (a front cut, deletions the model allows). It is
  // 1-minimal: the culprit cannot go, and does not fail alone.
  if (any !== null) {
    let last: O | undefined;
    for (const o of prefix) {
      if (o.definite && o !== culprit && !model.isObserver(o.input) && o.ret < culprit.call && (!last || o.ret > last.ret)) last = o;
    }
    if (last) {
      const suffix = suffixFrom(prefix, last.call);
      const others = suffix.filter((o) => o !== last && o !== culprit);
      if (model.soundDeletions(suffix, others, culprit).size === others.length) {
        const pair = [last, culprit];
        const { outcome } = searchLinearization(model, pair, budget, any, reuse);
        if (outcome === "violation") return { ops: pair, culprit, initial: any, from: last, complete: true };
      }
    }
  }

  // starts[i] are candidate front cuts; -1 stands for no cut (known to fail).
  const starts = prefix.filter((o) => o.call <= culprit.call).sort((a, b) => a.call - b.call);
  const failsFrom = (i: number): boolean | undefined => {
    if (any === null) return false;
    const { outcome } = searchLinearization(model, suffixFrom(prefix, starts[i]!.call), budget, any, reuse);
    return outcome === "undecided" ? undefined : outcome === "violation";
  };
  let fails = -1;
  let holds = starts.length;
  for (let distance = 1; ; distance *= 2) {
    const i = starts.length - distance;
    if (i <= fails) break;
    const result = failsFrom(i);
    if (result === undefined) return { ops: prefix, culprit, initial: model.initial, complete: false };
    if (result) {
      fails = i;
      break;
    }
    holds = i;
  }
  while (holds - fails > 1) {
    const mid = (fails + holds) >> 1;
    const result = failsFrom(mid);
    if (result === undefined) return { ops: prefix, culprit, initial: model.initial, complete: false };
    if (result) fails = mid;
    else holds = mid;
  }
  const from = fails >= 0 ? starts[fails] : undefined;
  const initial = from && any !== null ? any : model.initial;
  let current = (from ? suffixFrom(prefix, from.call) : prefix).sort((a, b) => a.call - b.call);

  let chunk = current.length;
  for (;;) {
    let progress = false;
    for (let start = 0; start < current.length; start += chunk) {
      const deleted = model.soundDeletions(current, current.slice(start, start + chunk), culprit) as Set<O>;
      if (deleted.size === 0) continue;
      const trial = current.filter((o) => !deleted.has(o));
      const { outcome } = searchLinearization(model, trial, budget, initial, reuse);
      if (outcome === "undecided") return { ops: current, culprit, initial, from, complete: false };
      if (outcome === "violation") {
        current = trial;
        progress = true;
        start -= deleted.size;
      }
    }
    if (progress) chunk = Math.min(chunk, current.length);
    else if (chunk === 1) break;
    else chunk = Math.ceil(chunk / 2);
  }
  return { ops: current, culprit, initial, from, complete: true };
}
