/** GitLab's access levels (PROVIDERS.md), as its members API answers. */
export const ACCESS_LEVELS = {
  Guest: 10,
  Reporter: 20,
  Developer: 30,
  Maintainer: 40,
  Owner: 50,
} as const;

const { Reporter: READ, Developer: CHANGE } = ACCESS_LEVELS;
const PROJECT = "/api/v4/projects/:id";
const TRIGGERS = `${PROJECT}/workflows/triggers`;
const RUNS = `${PROJECT}/workflows/runs`;
const DELIVERIES = `${PROJECT}/workflows/deliveries`;

/**
 * The least level a GitLab user needs on the project for each admin
 * route (DESIGN.md §3): Reporter reads, Developer changes. A route not
 * listed here (the instance-wide ones, the local forge's merge requests
 * and files) is the instance admin's alone, so that a route added later
 * is closed to GitLab tokens until someone decides otherwise.
 */
const ROUTE_LEVELS: Readonly<Record<string, number>> = {
  [`GET ${PROJECT}`]: READ,
  [`GET ${TRIGGERS}`]: READ,
  [`GET ${TRIGGERS}/:trigger_id`]: READ,
  [`POST ${TRIGGERS}`]: CHANGE,
  [`PATCH ${TRIGGERS}/:trigger_id`]: CHANGE,
  [`DELETE ${TRIGGERS}/:trigger_id`]: CHANGE,
  [`POST ${TRIGGERS}/:trigger_id/rotate`]: CHANGE,
  [`GET ${RUNS}`]: READ,
  [`GET ${RUNS}/events`]: READ,
  [`GET ${RUNS}/:run_id`]: READ,
  [`GET ${RUNS}/:run_id/transcript`]: READ,
  [`GET ${RUNS}/:run_id/messages`]: READ,
  [`POST ${RUNS}/:run_id/cancel`]: CHANGE,
  [`POST ${RUNS}/:run_id/retry`]: CHANGE,
  [`POST ${RUNS}/:run_id/messages/:message_id/retry`]: CHANGE,
  [`GET ${DELIVERIES}`]: READ,
  [`GET ${DELIVERIES}/:delivery_id`]: READ,
  [`POST ${DELIVERIES}/:delivery_id/redeliver`]: CHANGE,
  [`GET ${PROJECT}/workflows/audit_events`]: READ,
};

/** The level a route needs, or undefined when only the admin may call it.
 * `route` is the route's pattern as registered (`…/:id/…`). */
export function requiredAccessLevel(
  method: string,
  route: string | undefined,
): number | undefined {
  if (route === undefined) return undefined;
  // Fastify answers HEAD from the GET route: it reads the same.
  const verb = method === "HEAD" ? "GET" : method;
  return ROUTE_LEVELS[`${verb} ${route}`];
}

/** "Developer (30)"; a level between the named ones keeps its number. */
export function accessLevelName(level: number): string {
  const named = Object.entries(ACCESS_LEVELS).find(
    ([, value]) => value === level,
  );
  return named ? `${named[0]} (${level})` : `access level ${level}`;
}
