import { byId } from './pageElements.js';

/** Shows `text` in the header's status line (empty to clear it). */
export function showStatus(text: string): void {
  byId('status').textContent = text;
}

/** Shows `error` in the alert box above the report and clears the status line. */
export function showError(error: unknown): void {
  const box = byId('error');
  box.textContent = error instanceof Error ? error.message : String(error);
  box.hidden = false;
  showStatus('');
}

/** Hides the alert box. */
export function hideError(): void {
  byId('error').hidden = true;
}
