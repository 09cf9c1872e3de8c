"""The big screen: its routes, KPIs, map layers and the live feed of readings and device events."""
