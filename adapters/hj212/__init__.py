"""HJ 212-2017 (environmental monitoring data transmission): stations over TCP and frames bridged to MQTT."""
