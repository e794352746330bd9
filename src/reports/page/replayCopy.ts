import { byId } from './pageElements.js';
import { showError } from './pageStatus.js';

const COPY_LABEL_MS = 2000;

// No async clipboard outside secure contexts (plain http to a remote host): select the text for Ctrl+C.
function selectText(node: Node): void {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
}

/**
 * Copies the replay command shown in `#curl` to the clipboard, or selects it where no
 * clipboard is offered, and says which on the button for two seconds; a refusal is shown
 * as the page's error.
 */
export async function copyReplayCommand(): Promise<void> {
  const pre = byId('curl');
  const button = byId('copy-curl');
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(pre.textContent ?? '');
      button.textContent = 'Copied';
    } else {
      selectText(pre);
      button.textContent = 'Selected: press Ctrl+C';
    }
  } catch (error) {
    button.textContent = 'Copy failed';
    showError(new Error(`Could not copy: ${error instanceof Error ? error.message : String(error)}`));
  }
  setTimeout(() => {
    button.textContent = 'Copy';
  }, COPY_LABEL_MS);
}
