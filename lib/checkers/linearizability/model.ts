// What the linearizability search needs to know about a data type, in
// Porcupine's shape (Model{Init, Step, Partition}): its states as small
// integers, how one operation moves a state (or cannot happen in it), and
// the facts about operations that keep the search small and the shrinking of
// a violation sound. The search (search.ts) and the shrinking (shrink.ts)
// are generic over it; register.ts is the first model (lin-kv's keys).
// Partitioning a history into independent parts (lin-kv: by key) is the
// checker's, since linearizability is local (Herlihy & Wing).

/** A state that no operation can produce: "this operation cannot happen here". */
export const INVALID = -1;

/** One operation of a history, as the search sees it. */
export interface SearchOp<Input> {
  /** What the model knows of the operation (its kind and arguments, its observed result). */
  input: Input;
  /** Whether it must take effect (ok). Otherwise it may take effect once between call and ret, or never. */
  definite: boolean;
  /** Position of the invocation in the history. */
  call: number;
  /** Position of the ok completion in the history; Infinity for info and never-completed operations. */
  ret: number;
}

export interface Model<Input> {
  /** The state every partition starts in. */
  initial: number;
  /**
   * A state standing for "any state at all" (a history whose beginning was
   * cut off while shrinking), from which every operation is possible; null
   * when the model has none (its violations are then not cut at the front).
   */
  any: number | null;
  /** The state after `input` in `state`, or INVALID if it cannot happen there. */
  step(state: number, input: Input): number;
  /** Whether the operation never changes the state (a read): the search takes such definite ones eagerly. */
  isObserver(input: Input): boolean;
  /**
   * A name shared by operations with the same effect from every state: an
   * indeterminate operation is interchangeable with an earlier one of its
   * class, so the search takes each class in call order and remembers only
   * how many of it were taken.
   */
  effectClass(input: Input): string;
  /** How many distinct states operations like these can reach (bounds the relaxed search's depth). */
  stateBound(inputs: readonly Input[]): number;
  /**
   * Which of `candidates` may leave `ops` together without hiding a
   * linearization (if what stays has none, `ops` has none either); never
   * `pinned`. The shrinking deletes only these.
   */
  soundDeletions(ops: readonly SearchOp<Input>[], candidates: readonly SearchOp<Input>[], pinned: SearchOp<Input> | undefined): Set<SearchOp<Input>>;
  /** Whether `op`, definite, fails without any other operation but those of `prefix` that the model names (e.g. a read of a value nothing wrote). */
  failsAlone(op: SearchOp<Input>, prefix: readonly SearchOp<Input>[]): boolean;
}
