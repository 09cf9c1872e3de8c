"""The town's base register: people (实有人口), households, houses (实有房屋), organisations and key groups.

`model` holds the records, `idcard` the citizen ID rules, `crypto` the cipher and digests of ID numbers and phones,
`store` the protocol of where records are kept (adapters/register_store.py on SQL), `service` who may read and
change what, `sheets` the spreadsheets in and out, `sample` the demo town's fictional register.
"""
