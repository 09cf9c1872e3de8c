"""GStreamer helpers for the camera tests, run under Debian's /usr/bin/python3 (python3-gi).

encode OUT WIDTH HEIGHT FPS [GOP]   raw BGR frames on stdin → H.264 in Matroska (x264; a keyframe every GOP
                              frames, default FPS: one a second)
serve PORT DIR                an RTSP server: rtsp://127.0.0.1:PORT/<name> plays DIR/<name>.mkv once per client
"""

import sys
from pathlib import Path

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def encode(out: str, width: str, height: str, fps: str, gop: str = "") -> None:
    pipeline = Gst.parse_launch(
        f"fdsrc fd=0 ! rawvideoparse format=bgr width={width} height={height} framerate={fps}/1 ! videoconvert "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop or fps} bitrate=800 ! h264parse "
        f"! matroskamux ! filesink location={out}")
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if message.type == Gst.MessageType.ERROR:
        sys.exit(f"encode failed: {message.parse_error()}")


def serve(port: str, folder: str) -> None:
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    mounts = server.get_mount_points()
    for clip in sorted(Path(folder).glob("*.mkv")):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(f"( filesrc location={clip} ! matroskademux ! h264parse "
                           "! rtph264pay name=pay0 pt=96 config-interval=1 )")
        mounts.add_factory(f"/{clip.stem}", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on {port}")
    print("serving", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    Gst.init(None)
    {"encode": encode, "serve": serve}[sys.argv[1]](*sys.argv[2:])
