"""Broadcasting in the console: jobs, the recorded-message library, speakers and the broadcast feed."""
