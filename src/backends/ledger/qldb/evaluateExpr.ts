import { compareValues, isAbsent, valuesEqual } from './ionCompare.ts';
import { type IonTree, isStruct, literalValue, loadIon, MISSING, newStruct } from './ionTree.ts';
import type { Expr, Path } from './partiqlAst.ts';

/** A statement the subset parses but cannot run as written (a missing parameter, a wrong type). */
export class StatementError extends Error {
  override name = 'StatementError';
}

/** What names mean while one document is looked at. */
export interface Scope {
  /** The names bound by FROM: the alias to the document, BY's name to its id. */
  names: ReadonlyMap<string, IonTree>;
  /** The document a bare field name reads from (`WHERE id = ?` with no alias). */
  implicit: IonTree;
  /** The statement's parameters, in order. */
  params: readonly IonTree[];
}

/** Follows `steps` from `value`: a missing field or index is MISSING. */
export function followPath(value: IonTree, path: Path): IonTree {
  let current = value;
  for (const step of path.steps) {
    if (current === MISSING) return MISSING;
    if (step.kind === 'field') current = isStruct(current) ? (current[step.name] ?? MISSING) : MISSING;
    else if (step.kind === 'index')
      current = Array.isArray(current) ? (current[step.index] ?? MISSING) : MISSING;
    else current = Array.isArray(current) ? current : isStruct(current) ? Object.values(current) : MISSING;
  }
  return current;
}

/** Where a path starts: a bound name, or else a field of the implicit document. */
function rootOf(path: Path, scope: Scope): IonTree {
  const bound = scope.names.get(path.root);
  if (bound !== undefined) return bound;
  const implicit = scope.implicit;
  return isStruct(implicit) ? (implicit[path.root] ?? MISSING) : MISSING;
}

/** The value `path` names in `scope`. */
export function valueAt(path: Path, scope: Scope): IonTree {
  return followPath(rootOf(path, scope), path);
}

const TRUE = loadIon('true');
const FALSE = loadIon('false');
const NULL = loadIon('null');

function booleanValue(truth: boolean | null): IonTree {
  return truth === null ? NULL : truth ? TRUE : FALSE;
}

/** The value of `expr` in `scope`. */
export function evaluate(expr: Expr, scope: Scope): IonTree {
  switch (expr.kind) {
    case 'literal':
      return literalValue(expr.literal);
    case 'parameter': {
      const value = scope.params[expr.index];
      if (value === undefined)
        throw new StatementError(
          `the statement uses parameter ${expr.index + 1} but ${scope.params.length} ${scope.params.length === 1 ? 'was' : 'were'} given`,
        );
      return value;
    }
    case 'path':
      return valueAt(expr.path, scope);
    case 'struct': {
      const struct = newStruct();
      for (const field of expr.fields) {
        const value = evaluate(field.value, scope);
        if (value !== MISSING) struct[field.name] = value;
      }
      return struct;
    }
    case 'list':
    case 'bag':
      return expr.items.map((item) => evaluate(item, scope)).filter((item) => item !== MISSING);
    default:
      return booleanValue(truthOf(expr, scope));
  }
}

// The operands of a chain of ANDs (or ORs), in written order, found without recursion:
// a long chain parses into a tree as deep as it is long.
function operandsOf(expr: Extract<Expr, { kind: 'and' | 'or' }>): Expr[] {
  const operands: Expr[] = [];
  const pending: Expr[] = [expr];
  while (pending.length > 0) {
    const next = pending.pop() as Expr;
    if (next.kind === expr.kind) pending.push((next as typeof expr).right, (next as typeof expr).left);
    else operands.push(next);
  }
  return operands;
}

// Three-valued AND (stop at false) or OR (stop at true) over a chain's operands.
function chain(expr: Extract<Expr, { kind: 'and' | 'or' }>, scope: Scope): boolean | null {
  const decisive = expr.kind === 'or';
  let unknown = false;
  for (const operand of operandsOf(expr)) {
    const truth = truthOf(operand, scope);
    if (truth === decisive) return decisive;
    if (truth === null) unknown = true;
  }
  return unknown ? null : !decisive;
}

/** Three-valued truth of a condition: true, false, or null (unknown, as NULL = 1 is). */
export function truthOf(expr: Expr, scope: Scope): boolean | null {
  switch (expr.kind) {
    case 'compare': {
      const left = evaluate(expr.left, scope);
      const right = evaluate(expr.right, scope);
      if (isAbsent(left) || isAbsent(right)) return null;
      if (expr.op === '=') return valuesEqual(left, right);
      if (expr.op === '<>') return !valuesEqual(left, right);
      const order = compareValues(left, right);
      if (order === null) return null;
      if (expr.op === '<') return order < 0;
      if (expr.op === '>') return order > 0;
      return expr.op === '<=' ? order <= 0 : order >= 0;
    }
    case 'in': {
      const value = evaluate(expr.value, scope);
      const list = evaluate(expr.list, scope);
      if (!Array.isArray(list)) throw new StatementError('IN needs a list, such as (a, b) or [a, b]');
      if (isAbsent(value)) return null;
      const found = list.some((item) => valuesEqual(value, item));
      return expr.negated ? !found : found;
    }
    case 'and':
    case 'or':
      return chain(expr, scope);
    case 'not': {
      const truth = truthOf(expr.operand, scope);
      return truth === null ? null : !truth;
    }
    case 'is': {
      const value = evaluate(expr.operand, scope);
      // As in PartiQL, MISSING IS NULL holds; NULL IS MISSING does not.
      const holds = expr.test === 'missing' ? value === MISSING : isAbsent(value);
      return expr.negated ? !holds : holds;
    }
    default: {
      const value = evaluate(expr, scope);
      if (isAbsent(value)) return null;
      if (Array.isArray(value) || isStruct(value) || value === MISSING || value.getType().name !== 'bool')
        throw new StatementError('a condition must be true or false');
      return value.booleanValue();
    }
  }
}
