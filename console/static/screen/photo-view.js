// A scene photo at full size over the screen; a click or Escape puts it away.
import { el } from "./format.js";

/** A thumbnail of photo *id* that opens it at full size, captioned. */
export function thumbnail(id, caption) {
  const img = el("img", "photo-thumb");
  Object.assign(img, { src: `/api/photos/${encodeURIComponent(id)}`, alt: caption, loading: "lazy" });
  img.dataset.photo = id;
  img.addEventListener("click", () => openPhoto(id, caption));
  return img;
}

export function openPhoto(id, caption) {
  const img = el("img", "photo-full");
  Object.assign(img, { src: `/api/photos/${encodeURIComponent(id)}`, alt: caption });
  const dialog = el("dialog", "photo-dialog", img, el("p", "photo-caption", caption));
  dialog.dataset.photo = id;
  dialog.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove(), { once: true });
  document.body.append(dialog);
  dialog.showModal();
}
