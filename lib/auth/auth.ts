// Auth.js (next-auth v5) for the web app: who is signed in, and how they sign
// in. Sessions are signed JWTs in a cookie (no session table): they carry the
// user's id and platform-admin flag, which is all the domain's Actor needs.
// Course roles are never put in the token; lib/courses/access.ts reads them
// from the database on every request, so a role change applies at once.
//
// Configuration is read lazily (per request) from lib/config.ts, so `next
// build` needs no secret. Cookies are `__Secure-` prefixed whenever AUTH_URL is
// https.
import NextAuth, { AuthError, CredentialsSignin, type DefaultSession, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { config } from "../config.js";
import { db } from "../db.js";
import { verifyCredentials } from "./credentials.js";
import { clientAddress, signInLimiter, type SignInRefusal } from "./sign-in-limits.js";

/** Too many failed sign-ins: its code carries when to try again ("locked:<scope>:<epoch ms>"). */
export class SignInLocked extends CredentialsSignin {
  constructor(refusal: SignInRefusal) {
    super();
    this.code = `locked:${refusal.scope}:${refusal.retryAt.getTime()}`;
  }
}

/** The refusal a SignInLocked code carries, if the code is one. */
export function parseLockedCode(code: unknown): SignInRefusal | null {
  const match = typeof code === "string" ? /^locked:(account|address):(\d+)$/.exec(code) : null;
  return match ? { allowed: false, scope: match[1] as SignInRefusal["scope"], retryAt: new Date(Number(match[2])) } : null;
}

declare module "next-auth" {
  interface Session {
    user: { id: string; isPlatformAdmin: boolean } & DefaultSession["user"];
  }
  interface User {
    isPlatformAdmin?: boolean;
  }
}

/** How long a session lasts without activity (Auth.js renews it on use). */
const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600;

const credentialsSchema = z.object({
  /** Matched case-insensitively against User.email. */
  email: z.string().trim().min(1).max(320),
  /** Bounded so nobody can make us hash megabytes. */
  password: z.string().min(1).max(1024),
});

/**
 * Every way to sign in. An OpenID Connect provider (university single sign-on)
 * is added here, configured from lib/config.ts, next to the password one.
 */
function providers(): NextAuthConfig["providers"] {
  return [
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      // This runs for the sign-in form and for a direct POST to Auth.js's
      // callback alike, so the limits cannot be walked around.
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        const limiter = signInLimiter();
        const address = clientAddress(request.headers);
        const check = await limiter.check(email, address);
        if (!check.allowed) throw new SignInLocked(check);
        const user = await verifyCredentials(db(), email, password);
        if (!user) {
          const after = await limiter.fail(email, address);
          if (!after.allowed) throw new SignInLocked(after);
          return null;
        }
        await limiter.succeed(email);
        return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin };
      },
    }),
  ];
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const cfg = config();
  return {
    secret: cfg.AUTH_SECRET,
    trustHost: true,
    useSecureCookies: cfg.AUTH_URL?.startsWith("https://") ?? false,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers: providers(),
    callbacks: {
      jwt({ token, user }) {
        // `user` is present only on sign-in; later calls keep what was stored.
        if (user?.id) {
          token.sub = user.id;
          token.isPlatformAdmin = user.isPlatformAdmin === true;
        }
        return token;
      },
      session({ session, token }) {
        session.user.id = token.sub ?? "";
        session.user.isPlatformAdmin = token.isPlatformAdmin === true;
        return session;
      },
    },
    logger: {
      // A wrong password is an expected outcome, not a server error worth a stack trace.
      // (Class names are minified in the production build: compare the stable `type`.)
      error(error) {
        const type = error instanceof AuthError ? error.type : error.name;
        if (type === "CredentialsSignin") return;
        console.error(`[auth] ${type}: ${error.message}`, error.cause ?? "");
      },
    },
  };
});
