// Small things the broadcast panel's form and its recordings share: buttons that wait, words that follow the
// language, the player, and the form's line for what went wrong.
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** Say what is wrong under the form (empty: nothing is). */
export function sayError(text) {
  $("bc-error").textContent = text;
}

/** Play *src* in the form's player, shown from then on. */
export function play(src) {
  const audio = $("bc-audio");
  audio.src = src;
  audio.hidden = false;
  audio.play().catch(() => {}); // a browser without sound output still shows the player
}

/** Give *node* the words of *key*, now and after every change of language. */
export function relabelAs(node, key) {
  node.dataset.i18n = key;
  node.textContent = t(key);
}

/** Run *run* with *button* disabled until it ends, so a double click sends once. */
export async function busy(button, run) {
  button.disabled = true;
  try { await run(); } finally { button.disabled = false; }
}
