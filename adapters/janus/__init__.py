"""Janus, the WebRTC SFU of video dispatch: its configuration, its process and the relay of each participant."""
