// Turns the PostgREST requests of the fake (see postgrestFake.ts) into one SQL
// statement each. Table and column names are checked against a fixed list and an
// identifier pattern before they reach SQL; every value is a bind parameter.

/** The tables the fake serves; anything else is 404, as an unexposed table is. */
export const FAKE_TABLES = new Set([
  'profiles',
  'commitment_types',
  'commitments',
  'commitment_parties',
  'commitment_documents',
]);

/** A request the fake refuses, with the HTTP status and PostgREST error code to answer. */
export class PostgrestRequestError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** SQL text with positional parameters; each row comes back as one jsonb column `row`. */
export interface FakeStatement {
  text: string;
  params: unknown[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const COMPARISONS: Record<string, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const NOT_FILTERS = new Set(['select', 'order', 'limit', 'offset', 'columns']);

function parseError(message: string): PostgrestRequestError {
  return new PostgrestRequestError(400, 'PGRST100', message);
}

function column(name: string): string {
  if (!IDENTIFIER.test(name)) throw parseError(`"${name}" is not a column name the fake accepts`);
  return `"${name}"`;
}

/** Collects bind parameters and hands out their placeholders. */
function binds() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
type Binds = ReturnType<typeof binds>;

// Splits on commas outside parentheses and double quotes: "a,and(b,c)" -> ["a", "and(b,c)"].
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\' && quoted) index += 1;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === '(') depth += 1;
    else if (!quoted && char === ')') depth -= 1;
    else if (!quoted && depth === 0 && char === ',') {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  if (quoted || depth !== 0) throw parseError(`unbalanced quotes or parentheses in "${text}"`);
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

function parenthesised(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) throw parseError(`expected "(...)", got "${text}"`);
  return text.slice(1, -1);
}

// "op.value" on an already checked column, e.g. eq.DRAFT, in.(a,b), is.null.
function condition(sqlColumn: string, operation: string, params: Binds): string {
  const dot = operation.indexOf('.');
  const operator = dot < 0 ? operation : operation.slice(0, dot);
  const operand = dot < 0 ? '' : operation.slice(dot + 1);
  if (operator === 'in') {
    const items = splitTopLevel(parenthesised(operand)).filter((item) => item !== '');
    if (items.length === 0) return 'false';
    return `${sqlColumn} in (${items.map((item) => params.add(unquote(item))).join(', ')})`;
  }
  if (operator === 'is') {
    if (!['null', 'true', 'false'].includes(operand)) throw parseError(`is.${operand} is not supported`);
    return `${sqlColumn} is ${operand}`;
  }
  const comparison = COMPARISONS[operator];
  if (comparison === undefined) throw parseError(`operator "${operator}" is not supported by the fake`);
  return `${sqlColumn} ${comparison} ${params.add(unquote(operand))}`;
}

// The inside of or=(...) / and(...): "col.op.value" items and nested and(...)/or(...).
function logic(joiner: 'and' | 'or', inside: string, params: Binds): string {
  const terms = splitTopLevel(inside).map((item) => {
    const nested = /^(and|or)(\(.*\))$/s.exec(item);
    if (nested?.[1] !== undefined && nested[2] !== undefined) {
      return logic(nested[1] as 'and' | 'or', parenthesised(nested[2]), params);
    }
    const dot = item.indexOf('.');
    if (dot < 0) throw parseError(`"${item}" is not "column.operator.value"`);
    return condition(column(item.slice(0, dot)), item.slice(dot + 1), params);
  });
  return `(${terms.join(` ${joiner} `)})`;
}

function whereClause(search: URLSearchParams, params: Binds): string {
  const conditions: string[] = [];
  for (const [key, value] of search) {
    if (NOT_FILTERS.has(key)) continue;
    if (key === 'or' || key === 'and') conditions.push(logic(key, parenthesised(value), params));
    else conditions.push(condition(column(key), value, params));
  }
  return conditions.length === 0 ? '' : ` where ${conditions.join(' and ')}`;
}

// order=created_at.desc,id.desc -> order by "created_at" desc, "id" desc
function orderClause(order: string | null): string {
  if (order === null) return '';
  const terms = order.split(',').map((term) => {
    const [name = '', ...modifiers] = term.split('.');
    const words = modifiers.map((modifier) => {
      if (modifier === 'asc' || modifier === 'desc') return modifier;
      if (modifier === 'nullsfirst' || modifier === 'nullslast') return `nulls ${modifier.slice(5)}`;
      throw parseError(`unknown order modifier "${modifier}"`);
    });
    return [column(name), ...words].join(' ');
  });
  return ` order by ${terms.join(', ')}`;
}

function count(search: URLSearchParams, name: 'limit' | 'offset', params: Binds): string {
  const value = search.get(name);
  if (value === null) return '';
  if (!/^\d+$/.test(value)) throw parseError(`${name} must be a non-negative integer`);
  return ` ${name} ${params.add(Number(value))}`;
}

function requireStar(search: URLSearchParams): void {
  const select = search.get('select');
  if (select !== null && select !== '*') {
    throw parseError(`the fake only serves select=*, not select=${select}`);
  }
}

/** GET/HEAD `/<table>?select=*&filters&order&limit&offset`. */
export function selectStatement(table: string, search: URLSearchParams): FakeStatement {
  requireStar(search);
  const params = binds();
  const where = whereClause(search, params);
  const tail = `${orderClause(search.get('order'))}${count(search, 'limit', params)}${count(search, 'offset', params)}`;
  return {
    text: `select to_jsonb(t) as "row" from public."${table}" t${where}${tail}`,
    params: params.values,
  };
}

// Values go as text and PostgreSQL casts them to the column's type, as
// PostgREST's json_populate_recordset does for the JSON body.
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function objectsOf(body: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(body) ? body : [body];
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new PostgrestRequestError(
        400,
        'PGRST102',
        'the body must be a JSON object or an array of objects',
      );
    }
  }
  return rows as Record<string, unknown>[];
}

// The columns of an insert: `columns="a","b"` when given, else the keys of the first object.
function insertColumns(search: URLSearchParams, rows: Record<string, unknown>[]): string[] {
  const listed = search.get('columns');
  if (listed !== null) return listed.split(',').map(unquote);
  const keys = Object.keys(rows[0] ?? {});
  const same = rows.every((row) => Object.keys(row).sort().join() === [...keys].sort().join());
  if (!same) throw new PostgrestRequestError(400, 'PGRST102', 'All object keys must match');
  return keys;
}

const RETURNING = 'select to_jsonb(pgrst_source) as "row" from pgrst_source';

/** POST `/<table>` with a JSON object or array; returns the inserted rows. */
export function insertStatement(table: string, search: URLSearchParams, body: unknown): FakeStatement {
  requireStar(search);
  const rows = objectsOf(body);
  if (rows.length === 0) return { text: 'select null::jsonb as "row" where false', params: [] };
  const names = insertColumns(search, rows);
  if (names.length === 0)
    throw new PostgrestRequestError(400, 'PGRST102', 'the fake inserts no row without columns');
  const params = binds();
  const tuples = rows.map((row) => `(${names.map((name) => params.add(textOf(row[name]))).join(', ')})`);
  const target = `public."${table}" (${names.map(column).join(', ')})`;
  return {
    text: `with pgrst_source as (insert into ${target} values ${tuples.join(', ')} returning *) ${RETURNING}`,
    params: params.values,
  };
}

/** PATCH `/<table>?filters` with a JSON object of new values; returns the updated rows. */
export function updateStatement(table: string, search: URLSearchParams, body: unknown): FakeStatement {
  requireStar(search);
  const [changes] = objectsOf(body);
  if (Array.isArray(body) || changes === undefined || Object.keys(changes).length === 0) {
    throw new PostgrestRequestError(400, 'PGRST102', 'PATCH needs one JSON object with at least one column');
  }
  if (search.has('order') || search.has('limit') || search.has('offset')) {
    throw parseError('the fake does not support order, limit or offset on PATCH');
  }
  const params = binds();
  const set = Object.entries(changes)
    .map(([name, value]) => `${column(name)} = ${params.add(textOf(value))}`)
    .join(', ');
  const where = whereClause(search, params);
  return {
    text: `with pgrst_source as (update public."${table}" set ${set}${where} returning *) ${RETURNING}`,
    params: params.values,
  };
}
