// A wide table (or drawing) that scrolls sideways inside its card rather than
// widening the page. The box is a named region in the tab order, so a keyboard
// can reach it and scroll it (axe's scrollable-region-focusable); the name
// says which table it holds, for whoever lands on it.
import type { ReactNode } from "react";

export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
