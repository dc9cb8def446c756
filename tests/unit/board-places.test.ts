// A leaderboard shows its first places and the reader's own row, marking where
// rows were left out (lib/leaderboards.ts, firstPlacesAndMine).
import { describe, expect, it } from "vitest";
import { firstPlacesAndMine } from "../../lib/leaderboards.js";

const board = (n: number, mine: number | null) => Array.from({ length: n }, (_, i) => ({ place: i + 1, isMe: i + 1 === mine }));
const shown = (rows: Array<{ place: number; afterGap: boolean }>) => rows.map((r) => `${r.afterGap ? "…" : ""}${r.place}`);

describe("firstPlacesAndMine", () => {
  it("keeps the first places and the reader's row far below them, after a gap", () => {
    expect(shown(firstPlacesAndMine(board(50, 37), 3))).toEqual(["1", "2", "3", "…37"]);
  });

  it("adds nothing when the reader is among the first places, or not on the board", () => {
    expect(shown(firstPlacesAndMine(board(50, 2), 3))).toEqual(["1", "2", "3"]);
    expect(shown(firstPlacesAndMine(board(50, null), 3))).toEqual(["1", "2", "3"]);
  });

  it("has no gap when the reader's row comes right after the first places, or the board is short", () => {
    expect(shown(firstPlacesAndMine(board(50, 4), 3))).toEqual(["1", "2", "3", "4"]);
    expect(shown(firstPlacesAndMine(board(2, 2), 3))).toEqual(["1", "2"]);
  });
});
