// Recorded messages in the broadcast form: the list the hub keeps, listening to one, deleting one, and a new one
// recorded at the microphone or chosen as a WAV file, then uploaded.
import { api, toast } from "./api.js";
import { MAX_S, MicRecorder } from "./broadcast-record.js";
import { explain } from "./broadcast-strings.js";
import { busy, play, relabelAs, sayError } from "./broadcast-ui.js";
import { t } from "./i18n.js";

let recordings = [];
let mic = null; // the microphone while it records
let recorded = null; // a recording made here, to upload instead of a chosen file
const $ = (id) => document.getElementById(id);

/** Hook the recording controls of the form (built once per sign-in). */
export function wire() {
  $("bc-listen").addEventListener("click", listen);
  $("bc-forget").addEventListener("click", () => busy($("bc-forget"), forget));
  $("bc-upload-send").addEventListener("click", () => busy($("bc-upload-send"), upload));
  $("bc-rec").addEventListener("click", () => busy($("bc-rec"), record));
  $("bc-upload-file").addEventListener("change", () => { recorded = null; $("bc-rec-status").textContent = ""; });
}

/** Read the hub's recordings into the list. */
export async function load() {
  recordings = await api("/api/broadcast/recordings");
  fill();
}

/** The recording chosen in the list, if any. */
export const chosen = () => recordings.find((r) => r.key === $("bc-recording").value) ?? null;

/** At sign-out: let the microphone go and forget the list. */
export function end() {
  mic?.stop().catch(() => {});
  [mic, recorded, recordings] = [null, null, []];
}

/** Show the recordings in the list, keeping the one chosen. */
export function fill() {
  const select = $("bc-recording");
  const keep = select.value;
  select.replaceChildren(...(recordings.length ? recordings.map((r) => new Option(`${r.title}（${r.duration_s.toFixed(1)} s）`, r.key))
    : [new Option(t("bc.recording.none"), "")]));
  if (recordings.some((r) => r.key === keep)) select.value = keep;
}

function listen() {
  const recording = chosen();
  if (recording) play(recording.audio);
}

/** Start recording at the microphone, or stop and keep what was said, to listen to and upload. */
async function record() {
  const status = $("bc-rec-status");
  if (mic) {
    const seconds = mic.seconds;
    [recorded, mic] = [await mic.stop(), null];
    relabelAs($("bc-rec"), "bc.rec.start");
    status.textContent = t("bc.rec.done", { s: seconds.toFixed(1) });
    play(URL.createObjectURL(recorded));
    return;
  }
  const starting = new MicRecorder();
  try {
    await starting.start();
  } catch (err) {
    sayError(err.message === "insecure" ? t("bc.err.insecure") : t("bc.err.mic", { why: err.name }));
    return;
  }
  mic = starting;
  relabelAs($("bc-rec"), "bc.rec.stop");
  const tick = () => {
    if (mic !== starting) return;
    status.textContent = t("bc.rec.time", { s: Math.floor(mic.seconds) });
    if (mic.seconds >= MAX_S) record().catch(() => {}); // the hub takes 10 minutes at most
    else setTimeout(tick, 500);
  };
  tick();
}

/** Take the chosen recording off the list (jobs already made with it still play it). */
async function forget() {
  const recording = chosen();
  if (!recording) return;
  try {
    await api(`/api/broadcast/recordings/${recording.key}`, { method: "DELETE" });
    recordings = recordings.filter((r) => r.key !== recording.key);
    fill();
    toast(t("bc.forgotten", { title: recording.title }));
  } catch (err) {
    sayError(explain(err));
  }
}

async function upload() {
  const title = $("bc-upload-title").value.trim();
  const file = recorded ?? $("bc-upload-file").files[0];
  if (!title) { sayError(t("bc.err.title")); return; }
  if (!file) { sayError(t("bc.err.wav")); return; }
  try {
    const res = await fetch(`/api/broadcast/recordings?title=${encodeURIComponent(title)}`, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "audio/wav" }, body: file });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw Object.assign(new Error(res.statusText), { status: res.status, detail: data?.detail });
    recordings = [data, ...recordings.filter((r) => r.key !== data.key)];
    fill();
    $("bc-recording").value = data.key;
    $("bc-upload-title").value = "";
    $("bc-upload-file").value = "";
    [recorded, $("bc-rec-status").textContent] = [null, ""];
    sayError("");
    toast(t("bc.uploaded", { title: data.title }));
  } catch (err) {
    sayError(explain(err));
  }
}
