"""Grid work on the register: inspection campaigns (排查) of houses, and household visits (走访, 周一直通车).

`config` is the town file's `gridwork:` section (checklists, visit days), `model` the records, `store` where they
are kept (adapters/gridwork_store.py on SQL), `campaigns` and `visits` who may do what, `progress` the figures
and the county's XLSX report, `demo` the sample town's campaign in progress.
"""
