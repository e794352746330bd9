import type { EvidenceScope, JudgedRule, PromotionCheck } from '../promotionCheckTypes.js';
import { count } from './formatValues.js';
import { byId, clear, el } from './pageElements.js';

function evidenceText(evidence: EvidenceScope): string {
  switch (evidence.kind) {
    case 'cohort':
      return `cohort ${evidence.cohort}`;
    case 'users':
      return `users ${evidence.users.join(', ')}`;
    case 'unit':
      return `every observation of the unit (${evidence.why})`;
  }
}

function ruleItem(rule: JudgedRule) {
  const attributes: Record<string, string> = { 'data-testid': 'moved-rule', 'data-unit': rule.unit };
  if (rule.evidence.kind === 'cohort') attributes['data-cohort'] = rule.evidence.cohort;
  return el('li', attributes, [
    el('strong', {}, [rule.unit]),
    ` ${rule.who} → ${rule.stages.join(', ')} `,
    el('span', { class: `badge badge-${rule.verdict}`, 'data-testid': 'moved-verdict' }, [rule.verdict]),
    el('div', { class: 'reason' }, [
      `Evidence: ${evidenceText(rule.evidence)}, ${count(rule.samples)} samples. ${rule.reason}`,
    ]),
  ]);
}

// A rule judged on one cohort marks that cohort's row; one judged on users or the whole unit, every row of the unit.
function marksRow(rule: JudgedRule, row: Element): boolean {
  if (row.getAttribute('data-unit') !== rule.unit) return false;
  return rule.evidence.kind !== 'cohort' || row.getAttribute('data-cohort') === rule.evidence.cohort;
}

/** Marks the report table's rows of units moved without evidence, after the table is drawn. */
function markRows(check: PromotionCheck): void {
  for (const row of document.querySelectorAll('tr.unit-row')) {
    const moved = check.withoutEvidence.some((rule) => marksRow(rule, row));
    row.toggleAttribute('data-moved', moved);
    const cell = row.querySelector('td.verdict');
    cell?.querySelector('[data-testid="moved-mark"]')?.remove();
    if (moved && cell !== null)
      cell.prepend(
        el('span', { class: 'badge badge-moved', 'data-testid': 'moved-mark' }, ['moved without evidence']),
      );
  }
}

/**
 * Fills the "Moved without evidence" section from the promotion check (`GET
 * /admin/api/shadow/promotion`): each rule at live, rampdown or complete whose verdict is
 * not ready, with its evidence and the verdict's reason, and marks those units' rows in
 * the report table. An error (the gateway has no flags yet, say) is shown in the section.
 */
export function renderPromotionCheck(check: PromotionCheck | Error): void {
  const list = byId('promotion-list');
  const note = byId('promotion-note');
  clear(list);
  if (check instanceof Error) {
    note.textContent = `The promotion check failed: ${check.message}`;
    return;
  }
  const { checked, withoutEvidence } = check;
  note.textContent =
    checked.length === 0
      ? 'No unit is at live, rampdown or complete.'
      : withoutEvidence.length === 0
        ? `Every rule at live, rampdown or complete (${checked.length}) has a ready verdict.`
        : `${withoutEvidence.length} of ${checked.length} rules at live, rampdown or complete have no ready verdict ` +
          '(figway flags check exits 1):';
  for (const rule of withoutEvidence) list.append(ruleItem(rule));
  markRows(check);
}
