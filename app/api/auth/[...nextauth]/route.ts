// Auth.js's own endpoints (session, CSRF token, provider callbacks).
import { handlers } from "@/lib/auth/auth";

export const { GET, POST } = handlers;
