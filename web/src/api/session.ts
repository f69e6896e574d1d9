// The signed-in session as the server answered it. The CSRF token lives
// only in memory: a reload asks GET /-/dashboard/session again for it.

export interface SessionUser {
  kind: "admin" | "gitlab";
  name: string;
}

export interface Session {
  user: SessionUser;
  csrf_token: string;
  expires_at: string;
}

type Listener = (session: Session | null) => void;

let current: Session | null = null;
const listeners = new Set<Listener>();

export function currentSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
