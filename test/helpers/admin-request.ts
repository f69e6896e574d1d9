/** An answer from the server, its body parsed as JSON when it is JSON. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any;
}

/** Calls the admin API at `url` with the admin token; JSON in, JSON out. */
export async function adminRequest(
  url: string,
  adminToken: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<JsonResponse> {
  const response = await fetch(`${url}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${adminToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return readJson(response);
}

/** The response with its body parsed as JSON, or kept as text. */
export async function readJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed };
}
