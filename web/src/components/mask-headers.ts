// The server stores deliveries with credentials masked already; this is a
// second guard for headers it does not know, such as a tracker's own
// custom authentication header, so a screen share shows no secret.

const SECRET_NAME =
  /auth|token|secret|signature|password|passwd|cookie|api[-_]?key|session|credential/i;
const SECRET_VALUE =
  /^(bearer|basic|token)\s|whsec_|fgt_|glpat-|gl[a-z]{2,4}-|xox[abpr]-|gh[opsu]_|sk-[a-z0-9]|lin_(api|wh)_/i;

export const MASKED = "[masked]";

export function maskHeaders(
  headers: Record<string, string>,
): [string, string][] {
  return Object.entries(headers).map(([name, value]) => [
    name,
    SECRET_NAME.test(name) || SECRET_VALUE.test(value) ? MASKED : value,
  ]);
}
