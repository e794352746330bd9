// Every value from the API reaches the DOM through these builders, as text nodes and
// attribute values, never parsed as markup: an observed '<script>' stays text.

/** A child the element builders accept: a node, text (appended as a text node), or nothing (skipped). */
export type Child = Node | string | null | undefined;

/** Attributes of a built element; each is written with setAttribute, as text. */
export type Attributes = Readonly<Record<string, string | number>>;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The element with `id`, checked to be a `type` (default HTMLElement); throws when the page has none. */
export function byId(id: string): HTMLElement;
export function byId<T extends Element>(id: string, type: { new (): T; prototype: T }): T;
export function byId(id: string, type: { new (): Element; prototype: Element } = HTMLElement): Element {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`The page has no element #${id} of the expected kind.`);
  return node;
}

/** Appends `children` to `node` in order, text as text nodes, and returns `node`. */
export function append<T extends Element>(node: T, children: readonly Child[]): T {
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

function withAttributes<T extends Element>(node: T, attributes: Attributes, children: readonly Child[]): T {
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return append(node, children);
}

/** A new HTML element with `attributes` and `children`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: readonly Child[] = [],
): HTMLElementTagNameMap[K] {
  return withAttributes(document.createElement(tag), attributes, children);
}

/** A new SVG element with `attributes` and `children`. */
export function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: readonly Child[] = [],
): SVGElementTagNameMap[K] {
  return withAttributes(document.createElementNS(SVG_NS, tag), attributes, children);
}

/** Removes every child of `node`. */
export function clear(node: Element): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** A dotted name that may break after each dot (`Commitment.<wbr>status`) rather than overflow its cell. */
export function breakableName(name: string): Child[] {
  return name.split('.').flatMap((part, index) => (index === 0 ? [part] : ['.', el('wbr'), part]));
}

/**
 * Writes each column header's text of `table` as `data-label` on the cells below it, so a
 * narrow layout that hides the headers can show them beside each value; rows whose cells do
 * not match the headers one to one (a message spanning them) are left alone.
 */
export function labelCells(table: HTMLTableElement): void {
  const labels = [...(table.tHead?.rows[0]?.cells ?? [])].map((cell) => cell.textContent?.trim() ?? '');
  for (const body of table.tBodies)
    for (const row of body.rows) {
      if (row.cells.length !== labels.length) continue;
      for (const [index, cell] of [...row.cells].entries())
        cell.setAttribute('data-label', labels[index] ?? '');
    }
}
