// Just enough GraphQL for fakes: one operation, fields with arguments
// and selections, variables; no fragments, aliases or directives. The
// answer holds only the fields the query selects, as a real server's
// does, so a client that reads a field it did not ask for is caught.

export interface FieldNode {
  name: string;
  args: Record<string, unknown>;
  selections: FieldNode[] | undefined;
}

export interface Operation {
  kind: "query" | "mutation";
  fields: FieldNode[];
}

/** A field's failure, answered in `errors` beside the other fields. */
export class FieldError extends Error {
  constructor(
    message: string,
    readonly extensions: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The query is not one the fake can run: answered 400, nothing done. */
export class QueryError extends Error {}

/** A resolved value; a function is a field that takes arguments. */
export type Resolved =
  | string
  | number
  | boolean
  | null
  | Resolved[]
  | { [field: string]: Resolved | ((args: any) => Resolved) };

const TOKEN =
  /\s+|,|#[^\n]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[_A-Za-z]\w*|[{}()[\]:!$=]/y;

export function parseOperation(
  query: string,
  variables: Record<string, unknown> = {},
): Operation {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < query.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(query);
    if (!match) throw new QueryError(`Syntax Error at ${at}`);
    if (!/^(\s+|,|#.*)$/.test(match[0])) tokens.push(match[0]);
  }
  return new Parser(tokens, variables).operation();
}

/** The value shaped by the selections, typed by `__typename`. */
export function project(
  value: Resolved,
  selections: FieldNode[] | undefined,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    return value.map((item) => project(item, selections));
  }
  const type = String(value.__typename ?? "object");
  if (!selections) {
    throw new QueryError(`Field of type "${type}" must have a selection`);
  }
  const shaped: Record<string, unknown> = {};
  for (const field of selections) {
    if (!(field.name in value)) {
      throw new QueryError(
        `Cannot query field "${field.name}" on type "${type}".`,
      );
    }
    const member = value[field.name] as
      | Resolved
      | ((args: unknown) => Resolved);
    const resolved = typeof member === "function" ? member(field.args) : member;
    shaped[field.name] = project(resolved, field.selections);
  }
  return shaped;
}

class Parser {
  #at = 0;

  constructor(
    private readonly tokens: string[],
    private readonly variables: Record<string, unknown>,
  ) {}

  operation(): Operation {
    let kind: Operation["kind"] = "query";
    const first = this.#peek();
    if (first === "query" || first === "mutation") {
      kind = first;
      this.#next();
      if (this.#peek() !== "{" && this.#peek() !== "(") this.#next();
      if (this.#peek() === "(") this.#skipVariableDefinitions();
    }
    const fields = this.#selections();
    if (this.#at < this.tokens.length) {
      throw new QueryError("The fake runs one operation a request");
    }
    return { kind, fields };
  }

  #selections(): FieldNode[] {
    this.#expect("{");
    const fields: FieldNode[] = [];
    while (this.#peek() !== "}") fields.push(this.#field());
    this.#expect("}");
    return fields;
  }

  #field(): FieldNode {
    const name = this.#next();
    if (!/^[_A-Za-z]/.test(name)) {
      throw new QueryError(`Syntax Error: unexpected "${name}"`);
    }
    const args: Record<string, unknown> = {};
    if (this.#peek() === "(") {
      this.#next();
      while (this.#peek() !== ")") {
        const arg = this.#next();
        this.#expect(":");
        args[arg] = this.#value();
      }
      this.#next();
    }
    const selections = this.#peek() === "{" ? this.#selections() : undefined;
    return { name, args, selections };
  }

  #value(): unknown {
    const token = this.#next();
    if (token === "$") return this.variables[this.#next()];
    if (token.startsWith('"')) return JSON.parse(token);
    if (/^-?\d/.test(token)) return Number(token);
    if (token === "true" || token === "false") return token === "true";
    if (token === "null") return null;
    if (token === "[") {
      const items: unknown[] = [];
      while (this.#peek() !== "]") items.push(this.#value());
      this.#next();
      return items;
    }
    if (token === "{") {
      const object: Record<string, unknown> = {};
      while (this.#peek() !== "}") {
        const key = this.#next();
        this.#expect(":");
        object[key] = this.#value();
      }
      this.#next();
      return object;
    }
    return token;
  }

  // Types are not checked: the variables are taken as given.
  #skipVariableDefinitions(): void {
    for (let depth = 0; ; ) {
      const token = this.#next();
      if (token === "(") depth += 1;
      if (token === ")") depth -= 1;
      if (depth === 0) return;
    }
  }

  #peek(): string | undefined {
    return this.tokens[this.#at];
  }

  #next(): string {
    const token = this.tokens[this.#at];
    if (token === undefined) throw new QueryError("Syntax Error: cut short");
    this.#at += 1;
    return token;
  }

  #expect(wanted: string): void {
    const token = this.#next();
    if (token !== wanted) {
      throw new QueryError(`Syntax Error: "${wanted}" expected, "${token}"`);
    }
  }
}

/** What a fake answers for each root field of a query or mutation. */
export type Roots = Record<
  Operation["kind"],
  Record<string, (args: any) => Resolved>
>;

/** A GraphQL request's answer: 200 with `data` (and `errors` for
 * fields that failed), or 400 for a query the fake cannot run. */
export function execute(
  request: { query?: unknown; variables?: Record<string, unknown> } = {},
  roots: Roots,
  queryErrorExtensions: Record<string, unknown>,
): { status: number; body: unknown } {
  try {
    const operation = parseOperation(
      String(request.query ?? ""),
      request.variables ?? {},
    );
    const data: Record<string, unknown> = {};
    const errors: unknown[] = [];
    for (const field of operation.fields) {
      const resolve = roots[operation.kind][field.name];
      if (!resolve) {
        const type = operation.kind === "query" ? "Query" : "Mutation";
        throw new QueryError(
          `Cannot query field "${field.name}" on type "${type}".`,
        );
      }
      try {
        data[field.name] = project(resolve(field.args), field.selections);
      } catch (error) {
        if (!(error instanceof FieldError)) throw error;
        data[field.name] = null;
        errors.push({
          message: error.message,
          path: [field.name],
          extensions: error.extensions,
        });
      }
    }
    if (errors.length === 0) return { status: 200, body: { data } };
    const nothing = Object.values(data).every((value) => value === null);
    return { status: 200, body: { errors, data: nothing ? null : data } };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    const errors = [
      { message: error.message, extensions: queryErrorExtensions },
    ];
    return { status: 400, body: { errors } };
  }
}

/** The root fields a request asks for, joined by commas. */
export function rootFields(request: { query?: unknown } = {}): string {
  try {
    const operation = parseOperation(String(request.query ?? ""));
    return operation.fields.map((field) => field.name).join(",");
  } catch {
    return "(unparsable)";
  }
}
