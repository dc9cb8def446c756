// Auth.js (next-auth v5) for the web app: who is signed in, and how they sign
// in. The cookie is an encrypted JWT naming the user and a session id; every
// request checks that session's row and reads the user afresh (sessions.ts),
// so signing out, "sign out everywhere" and password changes end sessions at
// once, and the platform-admin flag is the database's, not the cookie's.
// Course roles are never put in the token; lib/courses/access.ts reads them
// from the database on every request, so a role change applies at once.
//
// Configuration is read lazily (per request) from lib/config.ts, so `next
// build` needs no secret. Cookies are `__Secure-` prefixed whenever AUTH_URL is
// https.
import NextAuth, { AuthError, CredentialsSignin, type DefaultSession, type NextAuthConfig, type Profile } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { config } from "../config.js";
import { db } from "../db.js";
import { StudentError } from "../errors.js";
import { clientAddress } from "./client-address.js";
import { signInWithPassword } from "./credentials.js";
import { SESSION_MAX_AGE_SECONDS, endSession, sessionOfToken, startSession } from "./sessions.js";
import { signInLimiter, type SignInRefusal } from "./sign-in-limits.js";
import { SSO_PROVIDER_ID, userForSsoIdentity, type SsoIdentity } from "./sso.js";

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
    /** This browser's session (sessions.ts), so a password change can keep it while ending the others. */
    sessionId: string;
  }
  interface User {
    isPlatformAdmin?: boolean;
  }
}

const credentialsSchema = z.object({
  /** Normalised (trimmed, lower-case) and matched exactly against User.email. */
  email: z.string().trim().min(1).max(320),
  /** Bounded so nobody can make us hash megabytes. */
  password: z.string().min(1).max(1024),
});

/** University single sign-on, when LABGRADE_OIDC_* are set (see lib/config.ts and sso.ts). */
function ssoProvider(): NextAuthConfig["providers"] {
  const cfg = config();
  if (!cfg.LABGRADE_OIDC_ISSUER || !cfg.LABGRADE_OIDC_CLIENT_ID || !cfg.LABGRADE_OIDC_CLIENT_SECRET) return [];
  return [
    {
      id: SSO_PROVIDER_ID,
      name: cfg.LABGRADE_OIDC_NAME,
      type: "oidc",
      issuer: cfg.LABGRADE_OIDC_ISSUER,
      clientId: cfg.LABGRADE_OIDC_CLIENT_ID,
      clientSecret: cfg.LABGRADE_OIDC_CLIENT_SECRET,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: "openid email profile" } },
    },
  ];
}

/** The identity an SSO sign-in carries, from the issuer's ID token claims. */
function ssoIdentity(profile: Profile | undefined, account: { providerAccountId: string }): SsoIdentity {
  return { subject: account.providerAccountId, email: profile?.email, emailVerified: profile?.email_verified as boolean | undefined, name: profile?.name };
}

/** Every way to sign in: email and password, and single sign-on when configured. */
function providers(): NextAuthConfig["providers"] {
  return [
    ...ssoProvider(),
    Credentials({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      // This runs for the sign-in form and for a direct POST to Auth.js's
      // callback alike, so the limits cannot be walked around.
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const result = await signInWithPassword(db(), signInLimiter(), { ...parsed.data, address: clientAddress(request.headers) });
        if (!result.ok) {
          if (result.refusal) throw new SignInLocked(result.refusal);
          return null;
        }
        const { user } = result;
        return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin };
      },
    }),
  ];
}

/** The sign-in button's words for single sign-on, or null when it is not configured. */
export function ssoName(): string | null {
  return ssoProvider().length > 0 ? config().LABGRADE_OIDC_NAME : null;
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
    events: {
      // A direct POST to /api/auth/signout lands here too.
      async signOut(message) {
        if ("token" in message && message.token) await endSession(db(), message.token.sid);
      },
    },
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== SSO_PROVIDER_ID) return true;
        try {
          await userForSsoIdentity(db(), ssoIdentity(profile, account));
          return true;
        } catch (err) {
          if (err instanceof StudentError) return `/signin?error=${encodeURIComponent(err.code)}`;
          throw err;
        }
      },
      async jwt({ token, user, account, profile }) {
        // Signing in (`user` or `account` is present only then): a new session row.
        if (account?.provider === SSO_PROVIDER_ID) {
          // The issuer's subject becomes our user (linked in signIn above).
          const ours = await userForSsoIdentity(db(), ssoIdentity(profile, account));
          return { sub: ours.id, sid: await startSession(db(), ours.id) };
        }
        if (user?.id) return { sub: user.id, sid: await startSession(db(), user.id) };
        // Every later request: the session must still exist; the user is read afresh.
        const live = await sessionOfToken(db(), token);
        if (!live) return null;
        return { sub: live.userId, sid: token.sid, name: live.name, email: live.email, isPlatformAdmin: live.isPlatformAdmin };
      },
      session({ session, token }) {
        session.user.id = token.sub ?? "";
        session.user.name = typeof token.name === "string" ? token.name : null;
        session.user.email = typeof token.email === "string" ? token.email : "";
        // Set by the jwt callback above from this request's database read.
        session.user.isPlatformAdmin = token.isPlatformAdmin === true;
        session.sessionId = typeof token.sid === "string" ? token.sid : "";
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
