"""Cases (工单) in the console: routes, actions, appointments, records, figures, schemas, scope and the case feed."""
