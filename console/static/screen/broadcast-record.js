// A message recorded at the screen's own microphone (录制): captured as PCM and kept as a 16 kHz 16-bit mono WAV,
// the format the hub keeps and every speaker plays, then uploaded like a chosen file. Browsers give the
// microphone to pages on https or on the machine itself (localhost) only.
const RATE = 16000;
export const MAX_S = 600; // the hub's limit for a recording

export class MicRecorder {
  /** Ask for the microphone and start keeping what it hears; throws when the browser refuses. */
  async start() {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("insecure");
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
    this.context = new AudioContext();
    const source = this.context.createMediaStreamSource(this.stream);
    // A script processor, not a worklet: a worklet needs a module of its own for a few lines of copying.
    this.node = this.context.createScriptProcessor(4096, 1, 1);
    this.chunks = [];
    this.node.onaudioprocess = (ev) => this.chunks.push(new Float32Array(ev.inputBuffer.getChannelData(0)));
    source.connect(this.node);
    this.node.connect(this.context.destination); // it runs only when connected; it writes silence there
    this.startedAt = Date.now();
  }

  get seconds() { return this.startedAt ? (Date.now() - this.startedAt) / 1000 : 0; }

  /** Stop, let the microphone go, and return the recording as a WAV blob. */
  async stop() {
    this.node.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
    const rate = this.context.sampleRate;
    await this.context.close();
    const length = this.chunks.reduce((n, c) => n + c.length, 0);
    const all = new Float32Array(length);
    this.chunks.reduce((at, c) => { all.set(c, at); return at + c.length; }, 0);
    this.startedAt = null;
    return wav(downsample(all, rate, RATE), RATE);
  }
}

function downsample(samples, from, to) {
  if (from <= to) return samples;
  const ratio = from / to;
  const out = new Float32Array(Math.floor(samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const start = Math.floor(i * ratio);
    const end = Math.min(samples.length, Math.floor((i + 1) * ratio));
    let sum = 0;
    for (let j = start; j < end; j++) sum += samples[j];
    out[i] = sum / Math.max(1, end - start); // the mean of each window: a crude low-pass before decimating
  }
  return out;
}

function wav(samples, rate) {
  const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const text = (at, s) => [...s].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  text(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  text(8, "WAVEfmt ");
  for (const [at, bits, value] of [[16, 32, 16], [20, 16, 1], [22, 16, 1], [24, 32, rate], [28, 32, rate * 2],
    [32, 16, 2], [34, 16, 16]]) {
    if (bits === 32) view.setUint32(at, value, true); else view.setUint16(at, value, true);
  }
  text(36, "data");
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, s)) * 0x7fff, true));
  return new Blob([view.buffer], { type: "audio/wav" });
}
