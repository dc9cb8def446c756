"use client";
// The leaderboard's rows. A client component, so the server sends the rows as
// data (a few fields each) rather than as a tree of elements, which it would
// render twice (once to send, once to HTML) and send at several times the
// size: a board of a whole course is most of what its page costs to serve
// (bench/web-load.ts). The HTML is the same either way, JavaScript or not.
import Link from "next/link";
import { Fragment } from "react";
import { timeOf, useIsLive } from "../../../../../local-time";
import { TableScroll } from "../../../../../table-scroll";

export interface BoardRow {
  rank: number;
  pseudonym: string;
  // Fields that would mostly be null or false are left out instead: each row is sent once per view.
  /** Staff only: who it is. */
  student?: string;
  isMe?: true;
  /** The score as shown ("0.5 / 1"). */
  score: string;
  /** One per column of `figureNames`; null: not measured. */
  figures: Array<number | null>;
  /** ISO 8601. */
  submittedAt: string;
  /** Only where the reader may open the submission (staff, or their own). */
  submissionId?: string;
  /** Rows were left out before this one (the reader's own, far down the board). */
  afterGap?: true;
}

export function LeaderboardTable({ figureNames, rows }: { figureNames: string[]; rows: BoardRow[] }) {
  const live = useIsLive();
  return (
    <TableScroll label="Leaderboard">
      <table className="table" data-testid="leaderboard">
        <thead>
          <tr>
            <th scope="col" className="numeric">
              #
            </th>
            <th scope="col">Student</th>
            <th scope="col" className="numeric">
              Score
            </th>
            {figureNames.map((name) => (
              <th key={name} scope="col" className="numeric">
                {name}
              </th>
            ))}
            <th scope="col">Submitted</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            // Pseudonyms repeat ("anonymous" for everyone without one): the place on the board is the key.
            <Fragment key={i}>
              {r.afterGap && (
                <tr className="board-gap">
                  <td colSpan={4 + figureNames.length} className="muted">
                    … places left out (show all below) …
                  </td>
                </tr>
              )}
              <tr className={r.isMe ? "row-me" : undefined}>
                <td className="numeric">{r.rank}</td>
                <td>
                  {r.submissionId ? <Link href={`/submissions/${r.submissionId}`}>{r.pseudonym}</Link> : r.pseudonym}
                  {r.isMe && <span className="tag">you</span>}
                  {r.student && <span className="muted"> {r.student}</span>}
                </td>
                <td className="numeric">{r.score}</td>
                {r.figures.map((figure, f) => (
                  <td key={f} className="numeric">
                    {figure ?? "–"}
                  </td>
                ))}
                <td>{timeOf(r.submittedAt, live)}</td>
              </tr>
            </Fragment>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
