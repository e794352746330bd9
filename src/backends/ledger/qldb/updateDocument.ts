import { evaluate, type Scope, StatementError } from './evaluateExpr.ts';
import { type IonTree, isStruct, MISSING, newStruct } from './ionTree.ts';
import type { Path, PathStep, Statement } from './partiqlAst.ts';

type Change = Extract<Statement, { kind: 'update' }>['changes'][number];

// A copy of the structs and lists of a tree (its scalars are immutable and shared).
function copyTree(value: IonTree): IonTree {
  if (Array.isArray(value)) return value.map(copyTree);
  if (isStruct(value)) {
    const copy = newStruct();
    for (const [name, field] of Object.entries(value)) copy[name] = copyTree(field);
    return copy;
  }
  return value;
}

// The steps from the document to what a path names: after the alias, or from a bare field.
function stepsOf(path: Path, alias: string | null): PathStep[] {
  if (alias !== null && path.root === alias) return path.steps;
  return [{ kind: 'field', name: path.root }, ...path.steps];
}

function describe(path: Path): string {
  return [
    path.root,
    ...path.steps.map((step) =>
      step.kind === 'field' ? `.${step.name}` : step.kind === 'index' ? `[${step.index}]` : '[*]',
    ),
  ].join('');
}

// The container that holds the path's last step, made as structs where fields are missing.
function parentOf(
  document: IonTree,
  steps: readonly PathStep[],
  path: Path,
  create: boolean,
): IonTree | null {
  let current = document;
  for (const step of steps.slice(0, -1)) {
    if (step.kind === 'wildcard') throw new StatementError(`${describe(path)}: [*] cannot be changed`);
    if (step.kind === 'field') {
      if (!isStruct(current)) return null;
      let next = current[step.name];
      if (next === undefined || next === MISSING) {
        if (!create) return null;
        next = newStruct();
        current[step.name] = next;
      }
      current = next;
    } else {
      if (!Array.isArray(current)) return null;
      const next = current[step.index];
      if (next === undefined) return null;
      current = next;
    }
  }
  return current;
}

function set(document: IonTree, path: Path, steps: readonly PathStep[], value: IonTree): void {
  const parent = parentOf(document, steps, path, true);
  const last = steps.at(-1);
  if (last === undefined || parent === null)
    throw new StatementError(`${describe(path)} cannot be set in this document`);
  if (last.kind === 'field' && isStruct(parent)) {
    if (value === MISSING) delete parent[last.name];
    else parent[last.name] = value;
  } else if (last.kind === 'index' && Array.isArray(parent) && last.index <= parent.length) {
    parent[last.index] = value;
  } else {
    throw new StatementError(`${describe(path)} cannot be set in this document`);
  }
}

function remove(document: IonTree, path: Path, steps: readonly PathStep[]): void {
  const parent = parentOf(document, steps, path, false);
  const last = steps.at(-1);
  if (parent === null || last === undefined) return;
  if (last.kind === 'field' && isStruct(parent)) delete parent[last.name];
  else if (last.kind === 'index' && Array.isArray(parent)) parent.splice(last.index, 1);
}

/**
 * The document after an UPDATE's SET and REMOVE clauses, in the order written; the
 * values are evaluated against the document as it was. The original is left as it is.
 */
export function applyChanges(
  document: IonTree,
  changes: readonly Change[],
  alias: string | null,
  scope: Scope,
): IonTree {
  const updated = copyTree(document);
  for (const change of changes) {
    const steps = stepsOf(change.path, alias);
    if (steps.length === 0)
      throw new StatementError(`${describe(change.path)}: a whole document cannot be replaced by SET`);
    if (change.kind === 'set') set(updated, change.path, steps, evaluate(change.value, scope));
    else remove(updated, change.path, steps);
  }
  return updated;
}
