"""Village loudspeakers over MQTT: commands out, status and results in, speech served to them."""
