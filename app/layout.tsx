// The frame of every page: a skip link to the content (the first stop of the
// keyboard), a header with the product name, who is signed in and a
// sign-out button, then the page.
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { currentSession } from "@/lib/auth/require-actor";
import { signOutAndLeave } from "./session-actions";
import "./globals.css";

export const metadata: Metadata = {
  title: "labgrade",
  description: "Distributed-systems labs graded on real clusters with real faults.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const session = await currentSession();
  const user = session?.user;
  return (
    <html lang="en">
      <body>
        <a href="#content" className="skip-link">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <Link href="/" className="brand">
              labgrade
            </Link>
            {user?.id && (
              <div className="session">
                {user.isPlatformAdmin && (
                  <Link href="/admin" className="session-user">
                    Platform
                  </Link>
                )}
                <Link href="/account" className="session-user" title={user.email ?? undefined}>
                  {user.name ?? user.email}
                </Link>
                <form action={signOutAndLeave}>
                  <button type="submit" className="button button-quiet">
                    Sign out
                  </button>
                </form>
              </div>
            )}
          </div>
        </header>
        {/* tabIndex -1: the skip link moves the focus here, not only the scroll. */}
        <main className="page" id="content" tabIndex={-1}>{children}</main>
      </body>
    </html>
  );
}
