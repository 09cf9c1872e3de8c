"""SL 651-2014 (水文监测数据通信规约) hydrological telemetry stations over TCP."""
