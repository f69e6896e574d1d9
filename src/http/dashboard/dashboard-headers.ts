import type { FastifyReply } from "fastify";

/**
 * The page may load only its own files and talk only to its own origin:
 * no inline scripts or styles, no frames around it, no plugins. Ticket
 * text that slipped past the page's escaping still could not run.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Set on every answer under /-/dashboard/, errors included. */
export function setDashboardHeaders(reply: FastifyReply): void {
  reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "same-origin");
}
